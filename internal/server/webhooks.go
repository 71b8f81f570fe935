package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/server/hooks"
)

// maxTriggerBody bounds POST /api/v1/hooks/trigger's body.
const maxTriggerBody = 4 << 10

// webhookHandler makes POST /api/v1/hooks/github's handler: GitHub's push
// webhook, authenticated by its X-Hub-Signature-256 (hence role 0 in the
// route table). Without a secret configured every delivery is refused
// with 403 and nothing is done.
func (s *Server) webhookHandler() http.HandlerFunc {
	if len(s.opts.GitHubSecret) == 0 {
		return func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusForbidden, "forbidden", "kiln serve has no [auth] github_secret configured: webhooks are refused")
		}
	}
	g, err := hooks.NewGitHub(s.opts.GitHubSecret, s.onPush, s.log)
	if err != nil {
		return func(w http.ResponseWriter, r *http.Request) {
			writeError(w, http.StatusForbidden, "forbidden", err.Error())
		}
	}
	return g.ServeHTTP
}

// onPush wakes the daemon for a signed push; a branch the tree does not
// follow is ignored.
func (s *Server) onPush(ctx context.Context, p hooks.Push) error {
	err := s.opts.Daemon.Wake(ctx, p.Branch)
	if errors.Is(err, daemon.ErrOtherBranch) {
		return fmt.Errorf("%w: %w", hooks.ErrIgnored, err)
	}
	return err
}

// triggerJSON is POST /api/v1/hooks/trigger's optional body.
type triggerJSON struct {
	Branch string `json:"branch"`
}

// trigger is POST /api/v1/hooks/trigger (role trigger): the generic push
// hook for hosts other than GitHub. It wakes the daemon as a push of
// the branch named in the optional body ({"branch": …}; none: the tree's
// own) would: 202 "accepted", 202 "ignored" for a branch the tree does
// not follow, 400 for a malformed body, 413 over 4 KiB.
func (s *Server) trigger(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTriggerBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", maxTriggerBody))
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "reading the body: "+err.Error())
		return
	}
	var req triggerJSON
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "body: "+err.Error())
			return
		}
	}
	err = s.opts.Daemon.Wake(r.Context(), req.Branch)
	if errors.Is(err, daemon.ErrOtherBranch) {
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "ignored", "branch": req.Branch, "reason": err.Error()})
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	branch := req.Branch
	if branch == "" {
		branch = s.opts.Daemon.TreeBranch()
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "accepted", "branch": branch})
}
