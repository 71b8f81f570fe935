package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		spec       string
		size       int64
		start, end int64
		ok         bool
	}{
		{"bytes=0-9", 100, 0, 9, true},
		{"bytes=90-", 100, 90, 99, true},
		{"bytes=90-1000", 100, 90, 99, true},
		{"bytes=-10", 100, 90, 99, true},
		{"bytes=-1000", 100, 0, 99, true},
		{"bytes=100-", 100, -1, 0, true},
		{"bytes=5-4", 100, -1, 0, true},
		{"bytes=-0", 100, -1, 0, true},
		{"bytes=x-", 100, -1, 0, true},
		{"bytes=0-", 0, -1, 0, true},
		{"bytes=5", 100, -1, 0, true},
		{"bytes=0-1,5-6", 100, 0, 0, false},
		{"items=0-1", 100, 0, 0, false},
	}
	for _, c := range cases {
		s, e, ok := parseRange(c.spec, c.size)
		if ok != c.ok || ok && (s != c.start || s >= 0 && e != c.end) {
			t.Errorf("parseRange(%q, %d) = %d, %d, %v; want %d, %d, %v", c.spec, c.size, s, e, ok, c.start, c.end, c.ok)
		}
	}
}

func TestWindow(t *testing.T) {
	src := strings.Repeat("0123456789", 10)
	for _, chunk := range []int{1, 3, 7, 100} {
		var out bytes.Buffer
		w := &window{w: &out, skip: 15, left: 20}
		var err error
		for i := 0; i < len(src) && err == nil; i += chunk {
			_, err = w.Write([]byte(src[i:min(i+chunk, len(src))]))
		}
		if !errors.Is(err, errWindowFull) || out.String() != src[15:35] {
			t.Errorf("chunks of %d: %q, %v", chunk, out.String(), err)
		}
	}
}

// checkLogRanges reads build id's log whole and in ranges over HTTP.
func checkLogRanges(t *testing.T, e *dockEnv, id string) {
	t.Helper()
	code, full := e.get(t, "/api/v1/builds/"+id+"/log")
	if code != 200 || len(full) < 40 {
		t.Fatalf("log of %s: %d, %d bytes", id, code, len(full))
	}
	get := func(spec string) (int, string, []byte) {
		req, _ := http.NewRequest("GET", e.hs.URL+"/api/v1/builds/"+id+"/log", nil)
		req.Header.Set("Range", spec)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Range"), b
	}
	n := int64(len(full))
	if c, cr, b := get("bytes=10-29"); c != 206 || !bytes.Equal(b, full[10:30]) || cr != "bytes 10-29/"+itoa64(n) {
		t.Errorf("bytes=10-29: %d %q %q", c, cr, b)
	}
	if c, _, b := get("bytes=-7"); c != 206 || !bytes.Equal(b, full[n-7:]) {
		t.Errorf("bytes=-7: %d %q", c, b)
	}
	if c, cr, _ := get("bytes=" + itoa64(n) + "-"); c != 416 || cr != "bytes */"+itoa64(n) {
		t.Errorf("past the end: %d %q", c, cr)
	}
	if c, _, b := get("bytes=0-1,4-5"); c != 200 || !bytes.Equal(b, full) {
		t.Errorf("two ranges: %d, %d bytes", c, len(b))
	}
}
