package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/toggle"
	"github.com/haikuports/kiln/internal/daemon"
)

// builderJSON is one builder of one target in GET /api/v1/builders.
type builderJSON struct {
	Target string `json:"target"`
	Name   string `json:"name"`
	builder.Status
	// Disabled is set while an operator has the builder disabled.
	Disabled *toggle.Off `json:"disabled,omitempty"`
}

// builders returns the builders of every target (name "": all of them).
func (s *Server) builders(name string) []builderJSON {
	out := []builderJSON{}
	for _, t := range s.opts.Daemon.Targets() {
		for _, b := range t.Builders() {
			if name != "" && b.Name() != name {
				continue
			}
			j := builderJSON{Target: t.Name(), Name: b.Name(), Status: b.Status()}
			if off, ok := s.opts.Daemon.Disabled(b.Name()); ok {
				j.Disabled = &off
			}
			out = append(out, j)
		}
	}
	return out
}

func (s *Server) listBuilders(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.builders(""))
}

// disableBuilder: POST /api/v1/builders/{name}/disable (optional body
// {"reason"}) takes the builder out of service for every target that has
// it: it gets no new builds, a build running on it runs to its end.
// 200 with the builder's entries as GET /api/v1/builders lists them;
// 404 "unknown_builder". Disabling a disabled builder replaces its reason.
func (s *Server) disableBuilder(w http.ResponseWriter, r *http.Request) {
	s.setBuilder(w, r, true)
}

// enableBuilder: POST /api/v1/builders/{name}/enable (optional body
// {"reason"}, logged) puts it back; idempotent.
func (s *Server) enableBuilder(w http.ResponseWriter, r *http.Request) {
	s.setBuilder(w, r, false)
}

func (s *Server) setBuilder(w http.ResponseWriter, r *http.Request, disable bool) {
	name := r.PathValue("name")
	if !validName(name) {
		writeError(w, http.StatusBadRequest, "bad_builder", fmt.Sprintf("builder name %q", name))
		return
	}
	if len(s.builders(name)) == 0 {
		writeError(w, http.StatusNotFound, "unknown_builder", fmt.Sprintf("no target has a builder %q", name))
		return
	}
	what := "enabled"
	if disable {
		what = "disabled"
	}
	reason, ok := readReason(w, r, what)
	if !ok {
		return
	}
	var off *toggle.Off
	if disable {
		off = &toggle.Off{Reason: reason, By: caller(r)}
	}
	changed, err := s.opts.Daemon.SetBuilder(r.Context(), name, off)
	switch {
	case errors.Is(err, daemon.ErrUnknownBuilder):
		writeError(w, http.StatusNotFound, "unknown_builder", err.Error())
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	if changed {
		s.log.Info("builder "+what, "builder", name, "by", caller(r), "reason", reason)
	}
	writeJSON(w, http.StatusOK, s.builders(name))
}
