package config

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		bad  bool
	}{
		{"2GiB", 2 << 30, false},
		{"512 MiB", 512 << 20, false},
		{"100KiB", 100 << 10, false},
		{"1GB", 1e9, false},
		{"1500000", 1500000, false},
		{"10B", 10, false},
		{"", 0, true},
		{"-1", 0, true},
		{"2 gigs", 0, true},
		{"1.5GiB", 0, true},
		{"9999999999TiB", 0, true},
	} {
		got, err := ParseSize(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d (error: %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
	if s := Size(2 << 30).String(); s != "2GiB" {
		t.Errorf("String = %s", s)
	}
}

func TestDockConfig(t *testing.T) {
	base := "[store]\nurl = \"s\"\n[tree]\npath = \"t\"\n[[target]]\nbranch = \"master\"\narch = \"x86_64\"\n[[builders.mock]]\nname = \"m\"\n"
	c, err := Parse("kiln.toml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.Dock.Limit() != int64(DefaultMaxUpload) {
		t.Errorf("default limit %d", c.Dock.Limit())
	}
	c, err = Parse("kiln.toml", []byte(base+"[dock]\nmax_upload = \"64MiB\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Dock.Limit() != 64<<20 {
		t.Errorf("limit %d", c.Dock.Limit())
	}
	_, err = Parse("kiln.toml", []byte(base+"[dock]\nmax_upload = \"lots\"\n"))
	if err == nil || !strings.Contains(err.Error(), "kiln.toml:11") || !strings.Contains(err.Error(), "max_upload") {
		t.Errorf("bad size: %v", err)
	}
}
