package server

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
)

//go:embed templates
var templates embed.FS

var overviewTmpl = template.Must(template.New("overview.html").Funcs(template.FuncMap{
	"short": func(c string) string {
		if c == "" {
			return "—"
		}
		if len(c) > 12 {
			return c[:12]
		}
		return c
	},
}).ParseFS(templates, "templates/overview.html"))

// overview renders the server-side overview page: every target with its
// head snapshot, package count and current run, and the builders. It
// needs no JavaScript (it reloads itself every 10 s).
func (s *Server) overview(w http.ResponseWriter, r *http.Request) {
	var data struct {
		Targets  []targetJSON
		Builders []builderJSON
	}
	for _, t := range s.opts.Daemon.Targets() {
		ti, err := s.targetInfo(r, t)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		data.Targets = append(data.Targets, ti)
		for _, b := range t.Builders() {
			data.Builders = append(data.Builders, builderJSON{Target: t.Name(), Name: b.Name(), Status: b.Status()})
		}
	}
	var buf bytes.Buffer
	if err := overviewTmpl.Execute(&buf, data); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
