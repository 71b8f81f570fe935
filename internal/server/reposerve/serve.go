package reposerve

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// immutableCache is the Cache-Control of snapshot paths.
const immutableCache = "public, max-age=31536000, immutable"

// serveFile answers a file route: it resolves the route to a store key
// through the in-memory view (no store access for anything the view does
// not list) and hands the key to deliver.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, rt route) {
	tg := h.targets[rt.Branch+"/"+rt.Arch]
	if tg == nil {
		http.Error(w, "no such target", http.StatusNotFound)
		return
	}
	v := tg.cur.Load()
	if v == nil || (v.head == nil && v.err != nil) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "repository not loaded yet", http.StatusServiceUnavailable)
		return
	}
	current := rt.Snapshot == snapshotCurrent
	var m *repo.Manifest
	switch {
	case current && v.head == nil:
		http.Error(w, "nothing published in "+tg.name()+" yet", http.StatusNotFound)
		return
	case current:
		m = v.man
	default:
		var err error
		if m, err = tg.manifest(r.Context(), v, rt.Snapshot); err != nil {
			if errors.Is(err, repo.ErrSnapshotNotFound) {
				http.Error(w, "no snapshot "+rt.Snapshot+" in "+tg.name(), http.StatusNotFound)
				return
			}
			h.storeError(w, r, tg, err)
			return
		}
	}
	var key string
	var size int64 = -1
	switch {
	case rt.Package != "":
		p, ok := m.Lookup(rt.Package)
		if !ok {
			http.Error(w, "snapshot "+m.ID+" of "+tg.name()+" lists no "+rt.Package, http.StatusNotFound)
			return
		}
		key, size = tg.r.PackageKey(p.File), p.Size
	case rt.File == repo.FileRepoMinisig && !m.Signed:
		http.Error(w, "snapshot "+m.ID+" is not signed", http.StatusNotFound)
		return
	default:
		key = tg.r.SnapshotKey(m.ID, rt.File)
	}
	cc := immutableCache
	if current {
		cc = h.currentCache()
	}
	h.deliver(w, r, tg, key, rt.File, size, cc, current)
}

func (h *Handler) currentCache() string { return h.curCC }

// contentType of a served file.
func contentType(file string) string {
	switch file {
	case repo.FileRepoInfo, repo.FileRepoSHA256, repo.FilePackageList, repo.FileRepoMinisig:
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// deliver sends the object at key: a 302 to the public base URL or a
// presigned URL for stores that presign, else the object's bytes (with
// Range and conditional requests when the store's reader seeks).
// size is the object's size when known from the manifest (-1 if not).
func (h *Handler) deliver(w http.ResponseWriter, r *http.Request, tg *target, key, file string, size int64, cc string, current bool) {
	if tg.presign != nil {
		h.redirect(w, r, tg, key, file, size, cc, current)
		return
	}
	rc, oi, err := tg.st.Get(r.Context(), key, store.GetOptions{})
	if err != nil {
		h.storeError(w, r, tg, err)
		return
	}
	defer rc.Close()
	hd := w.Header()
	hd.Set("Content-Type", contentType(file))
	hd.Set("Cache-Control", cc)
	if oi.ETag != "" {
		hd.Set("ETag", strconv.Quote(strings.Trim(oi.ETag, `"`)))
	}
	if rs, ok := rc.(io.ReadSeeker); ok {
		http.ServeContent(w, r, "", oi.Modified, rs)
		return
	}
	// A reader that cannot seek: plain streaming, no ranges.
	hd.Set("Accept-Ranges", "none")
	if !oi.Modified.IsZero() {
		hd.Set("Last-Modified", oi.Modified.UTC().Format(http.TimeFormat))
	}
	if oi.Size >= 0 {
		hd.Set("Content-Length", strconv.FormatInt(oi.Size, 10))
	}
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Debug("stream broke off", "target", tg.name(), "key", key, "err", err)
	}
}

// redirect answers with a 302 to where the object can be fetched. The
// answer may be cached only while a presigned URL stays valid (half its
// TTL at most). A HEAD without a public base URL is answered from a Stat
// (a presigned GET URL does not accept HEAD).
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, tg *target, key, file string, size int64, cc string, current bool) {
	hd := w.Header()
	if h.public != "" {
		hd.Set("Cache-Control", cc)
		http.Redirect(w, r, h.public+"/"+escapeKey(key), http.StatusFound)
		return
	}
	if r.Method == http.MethodHead {
		oi, err := tg.st.Stat(r.Context(), key)
		if err != nil {
			h.storeError(w, r, tg, err)
			return
		}
		hd.Set("Content-Type", contentType(file))
		hd.Set("Cache-Control", cc)
		hd.Set("Content-Length", strconv.FormatInt(oi.Size, 10))
		if oi.ETag != "" {
			hd.Set("ETag", strconv.Quote(strings.Trim(oi.ETag, `"`)))
		}
		if !oi.Modified.IsZero() {
			hd.Set("Last-Modified", oi.Modified.UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	u, err := tg.presign.PresignGet(r.Context(), key, h.opts.PresignTTL)
	if err != nil {
		h.storeError(w, r, tg, err)
		return
	}
	age := h.opts.PresignTTL / 2
	if current && h.opts.CurrentMaxAge < age {
		age = h.opts.CurrentMaxAge
	}
	if age > 0 {
		hd.Set("Cache-Control", "private, max-age="+strconv.Itoa(int(age/time.Second)))
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	http.Redirect(w, r, u, http.StatusFound)
}

// escapeKey escapes each segment of a store key for a URL path.
func escapeKey(key string) string {
	if !strings.ContainsFunc(key, needsEscape) {
		return key // the keys kiln writes
	}
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// storeError answers a failed store access: a missing object the view
// lists is 404 (pruned or not yet visible), a canceled request nothing,
// anything else 502 with the details only in the log.
func (h *Handler) storeError(w http.ResponseWriter, r *http.Request, tg *target, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.log.Warn("listed object missing from the store", "target", tg.name(), "path", r.URL.Path, "err", err)
		http.Error(w, "not found", http.StatusNotFound)
	case r.Context().Err() != nil:
		// The client is gone.
	default:
		h.log.Error("store access failed", "target", tg.name(), "path", r.URL.Path, "err", fmt.Errorf("reposerve: %w", err))
		http.Error(w, "store unavailable", http.StatusBadGateway)
	}
}

// needsEscape reports whether c is not left as it is in a URL path
// segment by url.PathEscape's rules for the characters kiln's keys use.
func needsEscape(c rune) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return false
	}
	return !strings.ContainsRune("-_.~+/", c)
}
