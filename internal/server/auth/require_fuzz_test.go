package auth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzRequire: whatever the Authorization header, the handler runs only
// for the configured trigger or admin token, and a refusal is 401 or 403.
func FuzzRequire(f *testing.F) {
	keys, texts := testKeys(f)
	a := New(keys, nil)
	for _, text := range texts {
		f.Add("Bearer " + text)
		f.Add("bearer  " + text)
	}
	f.Add("")
	f.Add("Bearer")
	f.Add("Basic dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, header string) {
		called := false
		h := a.Require(RoleTrigger, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
		req := httptest.NewRequest("POST", "/x", nil)
		req.Header["Authorization"] = []string{header}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		ok := len(header) > 7 && isBearer(header[:7]) && (header[7:] == texts["trigger"] || header[7:] == texts["admin"])
		switch {
		case called != (rec.Code == 200):
			t.Fatalf("called %v with status %d", called, rec.Code)
		case called && !ok:
			t.Fatalf("header %q let in", header)
		case !called && rec.Code != 401 && rec.Code != 403:
			t.Fatalf("refused with %d", rec.Code)
		}
	})
}

// isBearer: "Bearer " in any case.
func isBearer(s string) bool {
	const b = "bearer "
	if len(s) != len(b) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != b[i] {
			return false
		}
	}
	return true
}
