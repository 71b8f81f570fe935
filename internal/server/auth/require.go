package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
)

// Caller is who made a request: the name and role of its token.
type Caller struct {
	Name string
	Role Role
}

type callerKey struct{}

// CallerFrom returns the caller Require put into ctx.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// WithCaller returns ctx carrying c (for handlers' tests and for callers
// authenticated otherwise).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// Authenticator checks requests' bearer tokens against a Keyring.
type Authenticator struct {
	keys *Keyring
	log  *slog.Logger
}

// New returns an Authenticator over keys that logs refusals to log (nil:
// nothing logged). Logs name the token (when known), the path and the
// remote address, never a token's text.
func New(keys *Keyring, log *slog.Logger) *Authenticator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Authenticator{keys: keys, log: log}
}

// Require returns a handler that calls next only for a request with a
// known bearer token of at least role need, with the Caller in the
// request's context. Otherwise it answers, without calling next:
//   - 401 "unauthorized" with WWW-Authenticate: Bearer, for no
//     Authorization header, one that is not "Bearer <token>", or a token
//     not in the keyring;
//   - 403 "forbidden" for a known token of a lower role.
//
// Errors are JSON: {"error":{"code":…,"message":…}}.
func (a *Authenticator) Require(need Role, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		text, reason := bearer(r)
		if reason != "" {
			a.refuse(w, r, http.StatusUnauthorized, "", reason)
			return
		}
		tok, ok := a.keys.Lookup(text)
		if !ok {
			reason := "unknown token"
			if !wellFormed(text) {
				reason = "malformed token"
			}
			a.refuse(w, r, http.StatusUnauthorized, "", reason)
			return
		}
		if !tok.Role.Includes(need) {
			a.refuse(w, r, http.StatusForbidden, tok.Name,
				"token "+tok.Name+" has role "+tok.Role.String()+"; this needs "+need.String())
			return
		}
		ctx := WithCaller(r.Context(), Caller{Name: tok.Name, Role: tok.Role})
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// bearer returns the token of r's Authorization header, or why there is
// none. The scheme is case-insensitive (RFC 6750); exactly one header.
func bearer(r *http.Request) (string, string) {
	vals := r.Header.Values("Authorization")
	switch len(vals) {
	case 0:
		return "", "no Authorization header"
	case 1:
	default:
		return "", "several Authorization headers"
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", "Authorization is not \"Bearer <token>\""
	}
	if tok == "" || strings.ContainsAny(tok, " \t") {
		return "", "Authorization is not \"Bearer <token>\""
	}
	return tok, ""
}

// refuse answers a refusal and logs it (without the token).
func (a *Authenticator) refuse(w http.ResponseWriter, r *http.Request, status int, name, reason string) {
	code := "unauthorized"
	if status == http.StatusForbidden {
		code = "forbidden"
	} else {
		hdr := `Bearer realm="kiln"`
		if r.Header.Get("Authorization") != "" {
			hdr += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", hdr)
	}
	a.log.LogAttrs(r.Context(), slog.LevelWarn, "auth: request refused",
		slog.Int("status", status), slog.String("token", name), slog.String("reason", reason),
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.String("remote", r.RemoteAddr))
	WriteError(w, status, code, reason)
}

// WriteError answers status with the API's JSON error body
// {"error":{"code":code,"message":message}}.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message = code, message
	_ = json.NewEncoder(w).Encode(body)
}
