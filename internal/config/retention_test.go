package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

const day = 24 * time.Hour

// TestRetentionDefault: without a [retention] section nothing is pruned.
func TestRetentionDefault(t *testing.T) {
	c, err := Parse(filepath.Join(t.TempDir(), "kiln.toml"), []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Retention
	if r.Enabled() || r.Snapshots() || r.Runs() || r.Every() != DefaultRetentionInterval {
		t.Errorf("default retention %+v: enabled %v, every %v", r, r.Enabled(), r.Every())
	}
}

// TestRetentionConfig: the keys read as the prune commands' flags ("7d"),
// the options they make for Repo.Prune and PruneRuns, and each mistake
// named with its key (and, for a value of the wrong form, its position).
func TestRetentionConfig(t *testing.T) {
	dir := t.TempDir()
	base := good + `
[retention]
interval = "30m"
keep_last = 2
keep_age = "7d"
grace = "1d12h"
obsolete_retention = "30d"
runs_keep_last = 20
runs_keep_age = "90d"
`
	c, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Retention
	if !r.Enabled() || !r.Snapshots() || !r.Runs() || r.Every() != 30*time.Minute {
		t.Errorf("retention %+v", r)
	}
	o := r.PruneOptions()
	if o.KeepSnapshots != 2 || o.KeepAge != 7*day || o.Grace != 36*time.Hour || o.ObsoleteRetention != 30*day || o.DryRun || o.Active != nil {
		t.Errorf("prune options %+v", o)
	}
	if keep, age := r.RunsKeep(); keep != 20 || age != 90*day {
		t.Errorf("runs keep %d, %v", keep, age)
	}

	for _, tc := range []struct {
		name, section string
		snapshots     bool
		keep          int
		age           time.Duration
		runs          bool
		runsKeep      int
		runsAge       time.Duration
	}{
		// An unset rule keeps nothing (the head always stays).
		{"keep_last only", "keep_last = 3", true, 3, -1, false, 1, -1},
		{"keep_age only", `keep_age = "2d"`, true, 1, 2 * day, false, 1, -1},
		{"runs only", "runs_keep_last = 5", false, 1, -1, true, 5, -1},
		{"runs age only", `runs_keep_age = "36h"`, false, 1, -1, true, 1, 36 * time.Hour},
	} {
		c, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(good+"\n[retention]\n"+tc.section+"\n"))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		r := c.Retention
		o := r.PruneOptions()
		keep, age := r.RunsKeep()
		if r.Snapshots() != tc.snapshots || o.KeepSnapshots != tc.keep || o.KeepAge != tc.age || r.Runs() != tc.runs || keep != tc.runsKeep || age != tc.runsAge {
			t.Errorf("%s: snapshots %v keep %d age %v, runs %v keep %d age %v", tc.name, r.Snapshots(), o.KeepSnapshots, o.KeepAge, r.Runs(), keep, age)
		}
	}

	for _, tc := range []struct{ from, to, want string }{
		{`keep_age = "7d"`, `keep_age = "7x"`, `kiln.toml:28:12: retention.keep_age: toml: invalid duration "7x"`},
		{`keep_age = "7d"`, `keep_age = 7`, `retention.keep_age: 7ns (want at least 1s, written as a string: "7d"`},
		{`keep_age = "7d"`, `keep_age = "-7d"`, "retention.keep_age: -7d is negative"},
		{`keep_last = 2`, `keep_last = -1`, "retention.keep_last: -1 (want a count of at least 1)"},
		{`keep_last = 2`, `keep_last = "2"`, "kiln.toml:27:13: retention.keep_last: toml: cannot decode TOML string"},
		{`runs_keep_last = 20`, `runs_keep_last = -3`, "retention.runs_keep_last: -3"},
		{`runs_keep_age = "90d"`, `runs_keep_age = "90 days"`, `kiln.toml:32:17: retention.runs_keep_age: toml: invalid duration "90 days"`},
		{`grace = "1d12h"`, `grace = "-1h"`, "retention.grace: -1h0m0s is negative"},
		{`interval = "30m"`, `interval = "10ms"`, "retention.interval: 10ms (want at least 1s)"},
		{`interval = "30m"`, `interval = "1d"`, `kiln.toml:26:12: retention.interval: toml: builder: duration "1d"`},
		{`keep_last = 2`, `keep_lats = 2`, "kiln.toml:27:1: retention.keep_lats: unknown key"},
	} {
		_, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(strings.Replace(base, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.to, err, tc.want)
		}
	}

	// Settings without a keep rule are refused: they would prune nothing.
	for section, want := range map[string]string{
		`interval = "1h"`: "retention.interval: set without a keep rule",
		`grace = "1h"`:    "retention.grace: grace and obsolete_retention apply only with keep_last or keep_age",
		"runs_keep_last = 5\nobsolete_retention = \"1d\"": "retention.grace: grace and obsolete_retention apply only",
	} {
		_, err := Parse(filepath.Join(dir, "kiln.toml"), []byte(good+"\n[retention]\n"+section+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", section, err, want)
		}
	}
}

// TestRetentionEnv: the keys are overridable like every other.
func TestRetentionEnv(t *testing.T) {
	c, err := ParseEnv(filepath.Join(t.TempDir(), "kiln.toml"), []byte(good), []string{
		"KILN_RETENTION_KEEP_LAST=4", "KILN_RETENTION_RUNS_KEEP_AGE=14d", "KILN_RETENTION_INTERVAL=15m"})
	if err != nil {
		t.Fatal(err)
	}
	r := c.Retention
	if r.KeepLast != 4 || time.Duration(r.RunsKeepAge) != 14*day || r.Every() != 15*time.Minute || r.KeepAge != 0 {
		t.Errorf("retention from the environment %+v", r)
	}
	if _, err := ParseEnv("kiln.toml", []byte(good), []string{"KILN_RETENTION_KEEP_AGE=soon"}); err == nil || !strings.Contains(err.Error(), "KILN_RETENTION_KEEP_AGE: retention.keep_age: invalid duration") {
		t.Errorf("bad age from the environment: %v", err)
	}
}

func TestParseAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"7d": 7 * day, "1d12h": 36 * time.Hour, "36h": 36 * time.Hour,
		"90m": 90 * time.Minute, "0": 0, "0d": 0, "-1d": -day, "1d30m": day + 30*time.Minute} {
		if got, err := ParseAge(in); err != nil || got != want {
			t.Errorf("%q: %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "d", "7x", "1.5d", "7d-1h", "seven days", "99999d"} {
		if got, err := ParseAge(bad); err == nil {
			t.Errorf("%q: accepted as %v", bad, got)
		}
	}
	for d, want := range map[time.Duration]string{7 * day: "7d", -day: "-1d", 36 * time.Hour: "36h0m0s", 0: "0s"} {
		if s := Age(d).String(); s != want {
			t.Errorf("%v: String %q, want %q", d, s, want)
		}
	}
}

// TestRetentionExample: kiln.example.toml's commented-out [retention]
// section, uncommented, is valid and sets every key.
func TestRetentionExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "kiln.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	in := false
	for _, l := range strings.Split(string(b), "\n") {
		switch {
		case l == "# [retention]":
			in = true
		case in && !strings.HasPrefix(l, "# "):
			in = false
		}
		if in {
			l = strings.TrimPrefix(l, "# ")
		}
		lines = append(lines, l)
	}
	c, err := Parse(filepath.Join(t.TempDir(), "kiln.toml"), []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	want := Retention{Interval: builder.Duration(time.Hour), KeepLast: 10, KeepAge: Age(7 * day), Grace: Age(day),
		ObsoleteRetention: Age(30 * day), RunsKeepLast: 50, RunsKeepAge: Age(30 * day)}
	if c.Retention != want {
		t.Errorf("example retention %+v, want %+v", c.Retention, want)
	}
}
