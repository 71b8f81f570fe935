package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/daemon"
	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/server/auth"
)

// DefaultMaxUpload bounds an upload request when Options.MaxUpload is 0.
const DefaultMaxUpload = 2 << 30

// maxUploadFiles bounds the files of one upload request.
const maxUploadFiles = 256

// uploadPackages is the loading dock: POST
// /api/v1/targets/{branch}/{arch}/packages with a multipart/form-data
// body of one or more .hpkg files (parts with a filename; the field name
// is not looked at). Each part is streamed to a temporary file (never
// held in memory) under a bound of Options.MaxUpload for the whole body
// (413 beyond it), then all are published into the target as one
// snapshot through daemon.Target.PublishUploads, which validates every
// file before anything is uploaded. 201 with the repo.Result names the
// new snapshot (200 if nothing changed); the repositories are refreshed
// before the answer, so the next GET of current/repo lists the packages.
func (s *Server) uploadPackages(w http.ResponseWriter, r *http.Request) {
	t := s.target(w, r)
	if t == nil {
		return
	}
	if id := t.ActiveRun(); id != "" {
		writeError(w, http.StatusConflict, "run_active", fmt.Sprintf("run %s is in progress on %s; upload when it ended (or cancel it)", id, t.Name()))
		return
	}
	limit := s.opts.MaxUpload
	if limit <= 0 {
		limit = DefaultMaxUpload
	}
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the upload has %d bytes; at most %d are accepted ([dock] max_upload)", r.ContentLength, limit))
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		writeError(w, http.StatusBadRequest, "bad_upload", "want a multipart/form-data body of .hpkg files (curl -F pkg=@file.hpkg …)")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	mr, err := r.MultipartReader()
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_upload", "multipart body: "+err.Error())
		return
	}
	dir, err := os.MkdirTemp(s.opts.UploadDir, "kiln-upload-*")
	if err != nil {
		s.internal(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	var adds []repo.Add
	var names []string
	defer func() {
		for _, a := range adds {
			a.R.(*os.File).Close()
		}
	}()
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.uploadReadError(w, err, limit)
			return
		}
		name := part.FileName()
		if name == "" {
			writeError(w, http.StatusBadRequest, "bad_upload", fmt.Sprintf("part %q is not a file (every part must carry a filename)", part.FormName()))
			return
		}
		name = cleanUploadName(name)
		if len(adds) == maxUploadFiles {
			writeError(w, http.StatusBadRequest, "bad_upload", fmt.Sprintf("more than %d files in one upload", maxUploadFiles))
			return
		}
		f, err := os.CreateTemp(dir, "pkg-*.hpkg")
		if err != nil {
			s.internal(w, r, err)
			return
		}
		adds = append(adds, repo.Add{Name: name, R: f})
		n, err := io.Copy(f, part)
		if err != nil {
			s.uploadReadError(w, err, limit)
			return
		}
		adds[len(adds)-1].Size = n
		names = append(names, name)
	}
	if len(adds) == 0 {
		writeError(w, http.StatusBadRequest, "bad_upload", "no file in the upload")
		return
	}
	reason := "upload: " + strings.Join(names, " ")
	if c, ok := auth.CallerFrom(r.Context()); ok {
		reason = "upload by " + c.Name + ": " + strings.Join(names, " ")
	}
	res, err := t.PublishUploads(r.Context(), adds, reason)
	if err != nil {
		s.publishError(w, r, err)
		return
	}
	status := http.StatusOK
	if !res.Unchanged {
		status = http.StatusCreated
		t.Engine().Bus().Publish(buildrun.Event{Kind: buildrun.EventPublish, Snapshot: res.Snapshot, Reason: reason})
		s.refreshRepos(r, t)
	}
	s.log.Info("upload published", "target", t.Name(), "snapshot", res.Snapshot, "added", res.Added, "unchanged", res.Unchanged)
	writeJSON(w, status, res)
}

// cleanUploadName is a part's file name for messages: its last path
// element, without control characters, at most 255 bytes.
func cleanUploadName(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(c rune) rune {
		if c < ' ' || c == 0x7f {
			return -1
		}
		return c
	}, name)
	if len(name) > 255 {
		name = name[:255]
	}
	return name
}

func (s *Server) uploadReadError(w http.ResponseWriter, err error, limit int64) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the upload is larger than %d bytes ([dock] max_upload)", limit))
		return
	}
	writeError(w, http.StatusBadRequest, "bad_upload", "reading the upload: "+err.Error())
}

// publishError answers a failed publish of the dock or build-packages.
func (s *Server) publishError(w http.ResponseWriter, r *http.Request, err error) {
	var ie *daemon.InputError
	switch {
	case errors.Is(err, daemon.ErrRunActive):
		writeError(w, http.StatusConflict, "run_active", err.Error())
	case errors.Is(err, repo.ErrLeaseHeld):
		writeError(w, http.StatusConflict, "lease_held", "another publisher is publishing into the target; try again: "+err.Error())
	case errors.Is(err, repo.ErrRefused):
		writeError(w, http.StatusConflict, "refused", err.Error())
	case errors.Is(err, repo.ErrDowngrade):
		writeError(w, http.StatusConflict, "downgrade", err.Error())
	case errors.Is(err, repo.ErrImmutable):
		writeError(w, http.StatusConflict, "immutable", err.Error())
	case errors.Is(err, repo.ErrBuildPackagesExists):
		writeError(w, http.StatusConflict, "exists", err.Error())
	case errors.Is(err, repo.ErrBadPackage):
		writeError(w, http.StatusBadRequest, "bad_package", err.Error())
	case errors.Is(err, repo.ErrUnknownPackage):
		writeError(w, http.StatusBadRequest, "unknown_package", err.Error())
	case errors.Is(err, repo.ErrSnapshotNotFound):
		writeError(w, http.StatusNotFound, "snapshot_not_found", err.Error())
	case errors.Is(err, repo.ErrNoHead):
		writeError(w, http.StatusConflict, "no_head", err.Error())
	case errors.As(err, &ie):
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
	case r.Context().Err() != nil:
		// The client is gone.
	default:
		s.internal(w, r, err)
	}
}

// refreshRepos tells the repository server (a daemon.Refresher, as
// reposerve's Handler is) to re-read the target now.
func (s *Server) refreshRepos(r *http.Request, t *daemon.Target) {
	if rf, ok := s.opts.Repos.(daemon.Refresher); ok {
		if err := rf.Refresh(r.Context(), t.RepoTarget()); err != nil {
			s.log.Warn("refresh of the served repository failed", "target", t.Name(), "err", err)
		}
	}
}
