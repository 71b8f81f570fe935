package hooks

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// MaxBody bounds a delivery's body. GitHub sends at most 25 MB and drops
// larger payloads; a push payload is a few KiB plus its commits with their
// file lists, so a few MiB cover pushes of thousands of changed files. A
// larger one is answered 413 and the poll picks the commit up instead.
const MaxBody = 8 << 20

// maxReading is how many deliveries' bodies are read at once; others wait,
// so unauthenticated senders cannot make the server hold more than
// maxReading*MaxBody bytes of bodies.
const maxReading = 4

// ErrIgnored is wrapped by an OnPush error that says the push is valid
// but nothing to act on (another branch): answered 202 "ignored".
var ErrIgnored = errors.New("hooks: push ignored")

// GitHub is the handler of POST /api/v1/hooks/github. It is safe for
// concurrent use; OnPush is called once per accepted push, on the
// request's goroutine, with the request's context.
type GitHub struct {
	secret  []byte
	onPush  func(context.Context, Push) error
	log     *slog.Logger
	reading chan struct{}
}

// NewGitHub returns the webhook handler for the shared secret configured on
// GitHub (at least 16 bytes), calling onPush for each signed push of a
// branch. log gets one line per delivery (nil: none); it never contains the
// secret or a signature.
func NewGitHub(secret []byte, onPush func(context.Context, Push) error, log *slog.Logger) (*GitHub, error) {
	if len(secret) < 16 {
		return nil, errors.New("hooks: the webhook secret must have at least 16 bytes")
	}
	if onPush == nil {
		return nil, errors.New("hooks: no push function")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &GitHub{secret: append([]byte(nil), secret...), onPush: onPush, log: log, reading: make(chan struct{}, maxReading)}, nil
}

// ServeHTTP answers, in this order of checks:
//   - 405 for a method other than POST;
//   - 413 for a body over MaxBody;
//   - 401 "unauthorized" for a missing, malformed or wrong
//     X-Hub-Signature-256 (nothing else of the request is looked at);
//   - 400 for no X-GitHub-Event; 200 for "ping"; 202 "ignored" for any
//     other event but "push";
//   - 415 for a body neither application/json nor GitHub's form encoding;
//     400 for a malformed push payload; 202 "ignored" for a tag or a
//     deleted branch;
//   - 202 "accepted" once OnPush returned nil; 202 "ignored" with the
//     reason when it returned an error wrapping ErrIgnored (a branch kiln
//     does not follow); 500 when it failed otherwise.
func (g *GitHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	delivery := r.Header.Get("X-GitHub-Delivery")
	if len(delivery) > 100 {
		delivery = delivery[:100]
	}
	log := g.log.With(slog.String("delivery", delivery), slog.String("remote", r.RemoteAddr))
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use POST")
		return
	}
	body, status, err := g.read(w, r)
	if err != nil {
		log.Warn("github hook: body not read", slog.Int("status", status), slog.Any("err", err))
		writeError(w, status, codes[status], err.Error())
		return
	}
	if err := g.verify(r.Header.Values("X-Hub-Signature-256"), body); err != nil {
		log.Warn("github hook: refused", slog.Any("err", err))
		writeError(w, http.StatusUnauthorized, "unauthorized", err.Error())
		return
	}
	event := r.Header.Get("X-GitHub-Event")
	switch event {
	case "":
		writeError(w, http.StatusBadRequest, "bad_request", "no X-GitHub-Event header")
		return
	case "ping":
		log.Info("github hook: ping")
		writeJSON(w, http.StatusOK, map[string]string{"status": "pong"})
		return
	case "push":
	default:
		log.Info("github hook: event ignored", slog.String("event", event))
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored", "event": event, "reason": "only push events are acted on"})
		return
	}
	payload, status, err := unwrapForm(r.Header.Get("Content-Type"), body)
	if err != nil {
		writeError(w, status, codes[status], err.Error())
		return
	}
	push, err := ParsePush(payload)
	if errors.Is(err, ErrNotBranch) {
		log.Info("github hook: push ignored", slog.Any("reason", err))
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored", "event": event, "reason": err.Error()})
		return
	}
	if err != nil {
		log.Warn("github hook: bad push payload", slog.Any("err", err))
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	push.Delivery = delivery
	log = log.With(slog.String("branch", push.Branch), slog.String("after", push.After))
	if err := g.onPush(r.Context(), push); errors.Is(err, ErrIgnored) {
		log.Info("github hook: push ignored", slog.Any("reason", err))
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored", "event": event, "branch": push.Branch, "reason": err.Error()})
		return
	} else if err != nil {
		log.Error("github hook: push not taken", slog.Any("err", err))
		writeError(w, http.StatusInternalServerError, "internal", "push not taken: "+err.Error())
		return
	}
	log.Info("github hook: push accepted")
	writeJSON(w, http.StatusAccepted, map[string]string{
		"status": "accepted", "branch": push.Branch, "after": push.After, "delivery": delivery,
	})
}

var codes = map[int]string{
	http.StatusBadRequest:            "bad_request",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusServiceUnavailable:    "unavailable",
}

// read reads the whole body, at most MaxBody bytes, at most maxReading at
// once.
func (g *GitHub) read(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	select {
	case g.reading <- struct{}{}:
		defer func() { <-g.reading }()
	case <-r.Context().Done():
		return nil, http.StatusServiceUnavailable, fmt.Errorf("request ended while waiting: %w", r.Context().Err())
	}
	if r.ContentLength > MaxBody {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body of %d bytes is over the %d-byte limit", r.ContentLength, MaxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body over the %d-byte limit", MaxBody)
	}
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %w", err)
	}
	return body, 0, nil
}

// verify checks GitHub's "sha256=<hex HMAC-SHA256 of body>" in constant
// time.
func (g *GitHub) verify(sigs []string, body []byte) error {
	if len(sigs) == 0 {
		return errors.New("no X-Hub-Signature-256 header (set the webhook's secret on GitHub)")
	}
	if len(sigs) > 1 {
		return errors.New("several X-Hub-Signature-256 headers")
	}
	hexSig, ok := strings.CutPrefix(sigs[0], "sha256=")
	got, err := hex.DecodeString(hexSig)
	if !ok || err != nil || len(got) != sha256.Size {
		return errors.New("X-Hub-Signature-256 is not sha256=<64 hex digits>")
	}
	mac := hmac.New(sha256.New, g.secret)
	mac.Write(body)
	if !hmac.Equal(got, mac.Sum(nil)) {
		return errors.New("X-Hub-Signature-256 does not match (is the secret the one configured?)")
	}
	return nil
}

// unwrapForm returns the JSON payload of a delivery: the body itself for
// application/json, the "payload" field for GitHub's default
// application/x-www-form-urlencoded.
func unwrapForm(contentType string, body []byte) ([]byte, int, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %.100q (want application/json)", contentType)
	}
	switch mt {
	case "application/json":
		return body, 0, nil
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil || len(v["payload"]) != 1 {
			return nil, http.StatusBadRequest, errors.New("form body without one payload field")
		}
		return []byte(v.Get("payload")), 0, nil
	}
	return nil, http.StatusUnsupportedMediaType, fmt.Errorf("Content-Type %.100q (want application/json)", contentType)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers the API's JSON error {"error":{"code":…,"message":…}}.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]map[string]string{"error": {"code": code, "message": message}})
}
