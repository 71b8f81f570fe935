package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/repo"
)

func TestParseDayDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * 24 * time.Hour, "1d12h": 36 * time.Hour, "36h": 36 * time.Hour,
		"90m": 90 * time.Minute, "0": 0, "0d": 0, "-1d": -24 * time.Hour, "1d30m": 24*time.Hour + 30*time.Minute} {
		if got, err := parseDayDuration(in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "7x", "1.5d", "7d-1h", "seven days", "99999d"} {
		if got, err := parseDayDuration(bad); err == nil {
			t.Errorf("%q: accepted as %v", bad, got)
		}
	}
	var d time.Duration = 7 * 24 * time.Hour
	if s := (dayDuration{&d}).String(); s != "7d" {
		t.Errorf("String %q", s)
	}
}

// TestUploadBar: the publish progress bar shows packages done of all and bytes.
func TestUploadBar(t *testing.T) {
	var buf bytes.Buffer
	fn, done := uploadBar(&buf)
	fn(repo.UploadProgress{TotalBytes: 3 << 20, TotalFiles: 2})
	time.Sleep(150 * time.Millisecond)
	fn(repo.UploadProgress{Bytes: 2 << 20, Files: 1, TotalBytes: 3 << 20, TotalFiles: 2})
	time.Sleep(150 * time.Millisecond) // the bar renders at most every 100 ms
	fn(repo.UploadProgress{Bytes: 2 << 20, Files: 1, TotalBytes: 3 << 20, TotalFiles: 2})
	done()
	if out := buf.String(); !strings.Contains(out, "uploading 1/2 packages") || !strings.Contains(out, "/3.1 MB") {
		t.Fatalf("bar output %q", out)
	}
}
