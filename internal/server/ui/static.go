package ui

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// asset is one embedded static file with its content hash, which the
// pages put into its URL (/static/kiln.css?v=<hash>): a new binary with a
// changed file gets a new URL, so the answers can be cached for a year.
type asset struct {
	body  []byte
	hash  string
	ctype string
}

var assets = loadAssets()

func loadAssets() map[string]asset {
	out := map[string]asset{}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[path.Base(p)] = asset{body: b, hash: hex.EncodeToString(sum[:6]), ctype: ct}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return out
}

// assetURL is the URL of static file name, with its hash; a name that
// is not embedded panics at template execution (a typo in a template).
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("ui: no static file " + name)
	}
	return "/static/" + name + "?v=" + a.hash
}

// serveStatic answers an embedded static file. With the current hash in
// ?v= it may be cached for a year (immutable); other requests get
// no-cache with an ETag, so an old page never keeps a stale file.
func serveStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := assets[r.PathValue("file")]
	if !ok {
		http.Error(w, "no such static file", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
