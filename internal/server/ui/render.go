package ui

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/daemon"
)

//go:embed templates
var templateFS embed.FS

// pages are the templates, parsed once: each page file of templates/
// (every file but base.html) with the base layout it fills in (blocks
// "title" and "main").
var pages = parsePages()

func parsePages() map[string]*template.Template {
	base := template.Must(template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	out := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimPrefix(n, "templates/")
		if name == "base.html" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}

var funcs = template.FuncMap{
	"asset": assetURL,
	"short": func(c string) string {
		if c == "" {
			return "—"
		}
		if len(c) > 12 {
			return c[:12]
		}
		return c
	},
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.UTC().Format("2006-01-02 15:04:05Z")
	},
	"iso": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
	"dur": duration,
	"pct": func(n, total int) int {
		if total <= 0 {
			return 0
		}
		return n * 100 / total
	},
}

// duration formats d for people: 850ms, 12.3s, 4m05s, 2h03m.
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	default:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
}

// page is what the base layout renders: the page's own data is Data.
type page struct {
	Title string
	// Nav is the active entry of the navigation: "overview", "runs", or
	// "<target>/packages", "<target>/plan".
	Nav     string
	Targets []navTarget
	// Refresh, if > 0, reloads the page every Refresh seconds when
	// JavaScript is off (a <noscript> meta refresh).
	Refresh int
	// Live, if set, is the event stream URL live.js listens to; on a
	// matching event it re-fetches the page and swaps the elements
	// marked data-live.
	Live string
	// LiveRun, if set, limits live.js to the events of this run.
	LiveRun string
	// Scripts are extra static scripts of the page (file names).
	Scripts []string
	// Repos is the repositories' URL path prefix ("" for the root).
	Repos string
	Data  any
}

type navTarget struct {
	Name, Branch, Arch string
}

func (u *UI) navTargets() []navTarget {
	var out []navTarget
	for _, t := range u.d.Targets() {
		rt := t.RepoTarget()
		out = append(out, navTarget{Name: t.Name(), Branch: rt.Branch, Arch: rt.Arch})
	}
	return out
}

// render executes the page template name into a buffer first, so a
// template error answers 500 and never half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := pages[name]
	if !ok {
		u.fail(w, r, fmt.Errorf("ui: no template %q", name))
		return
	}
	if p.Targets == nil {
		p.Targets = u.navTargets()
	}
	p.Repos = u.repos
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", p); err != nil {
		u.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage is the data of error.html.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

// notFound answers a 404 page saying what was not found.
func (u *UI) notFound(w http.ResponseWriter, r *http.Request, msg string) {
	u.render(w, r, http.StatusNotFound, "error.html", page{Title: "Not found", Data: errorPage{404, "Not found", msg}})
}

// badRequest answers a 400 page.
func (u *UI) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	u.render(w, r, http.StatusBadRequest, "error.html", page{Title: "Bad request", Data: errorPage{400, "Bad request", msg}})
}

// fail logs err and answers a plain 500 (the details only in the log).
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	u.log.Error("ui request failed", "path", r.URL.Path, "err", err)
	http.Error(w, "internal error (see the server log)", http.StatusInternalServerError)
}

// target resolves a target name of a query parameter; "" is no target.
func (u *UI) target(name string) *daemon.Target {
	if name == "" {
		return nil
	}
	return u.d.Target(name)
}
