package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/repo"
)

// Retention is the [retention] section of kiln serve: the rules of `kiln
// repo prune` and `kiln runs prune`, applied by the daemon to every
// target it schedules, after each run and publish and every interval.
// Nothing is deleted unless a keep rule is set: with keep_last or
// keep_age the target's snapshots and packages are pruned, with
// runs_keep_last or runs_keep_age its run records and logs. The head
// snapshot, a run in progress and the runs of kept snapshots always stay;
// a target with a run in progress, or paused, is not pruned.
type Retention struct {
	// Interval is how often the rules are applied without a publish
	// (default 1h).
	Interval builder.Duration `toml:"interval"`
	// KeepLast keeps the newest snapshots of the head history, the head
	// included (kiln repo prune --keep; unset: no snapshot kept for its
	// rank, but the head).
	KeepLast int `toml:"keep_last"`
	// KeepAge also keeps snapshots younger than this: "7d", "36h", "1d12h"
	// (kiln repo prune --keep-age; unset: none kept for its age).
	KeepAge Age `toml:"keep_age"`
	// Grace is how long a package no kept snapshot lists stays in
	// current/packages/ after it left the head, before it is moved to
	// .obsolete/ (kiln repo prune --grace; default 1d).
	Grace Age `toml:"grace"`
	// ObsoleteRetention is how long a package stays in .obsolete/ before
	// it is deleted (kiln repo prune --obsolete-retention; default 30d).
	ObsoleteRetention Age `toml:"obsolete_retention"`
	// RunsKeepLast keeps the records and logs of the newest runs (kiln
	// runs prune --keep; unset: none kept for its rank).
	RunsKeepLast int `toml:"runs_keep_last"`
	// RunsKeepAge also keeps runs started more recently than this (kiln
	// runs prune --keep-age; unset: none kept for its age).
	RunsKeepAge Age `toml:"runs_keep_age"`
}

// DefaultRetentionInterval is [retention] interval when not set.
const DefaultRetentionInterval = time.Hour

// Snapshots reports whether the section prunes snapshots and packages
// (keep_last or keep_age is set).
func (r Retention) Snapshots() bool { return r.KeepLast > 0 || r.KeepAge > 0 }

// Runs reports whether the section prunes run records (runs_keep_last or
// runs_keep_age is set).
func (r Retention) Runs() bool { return r.RunsKeepLast > 0 || r.RunsKeepAge > 0 }

// Enabled reports whether the section deletes anything.
func (r Retention) Enabled() bool { return r.Snapshots() || r.Runs() }

// Every is Interval or DefaultRetentionInterval.
func (r Retention) Every() time.Duration {
	if r.Interval > 0 {
		return time.Duration(r.Interval)
	}
	return DefaultRetentionInterval
}

// PruneOptions are the snapshot rules as Repo.Prune takes them (an unset
// rule keeps nothing; the head is always kept).
func (r Retention) PruneOptions() repo.PruneOptions {
	o := repo.PruneOptions{KeepSnapshots: r.KeepLast, KeepAge: time.Duration(r.KeepAge),
		Grace: time.Duration(r.Grace), ObsoleteRetention: time.Duration(r.ObsoleteRetention)}
	if o.KeepSnapshots <= 0 {
		o.KeepSnapshots = 1 // the head
	}
	if o.KeepAge <= 0 {
		o.KeepAge = -1
	}
	return o
}

// RunsKeep returns the run rules as buildrun.RetentionOptions takes them:
// the newest runs kept (at least 1) and the age (negative: none).
func (r Retention) RunsKeep() (keep int, age time.Duration) {
	keep, age = max(r.RunsKeepLast, 1), time.Duration(r.RunsKeepAge)
	if age <= 0 {
		age = -1
	}
	return keep, age
}

func (r Retention) validate() []error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: retention.%s: %s", ErrInvalid, key, fmt.Sprintf(format, args...)))
	}
	for _, k := range []struct {
		name string
		n    int
	}{{"keep_last", r.KeepLast}, {"runs_keep_last", r.RunsKeepLast}} {
		if k.n < 0 {
			bad(k.name, "%d (want a count of at least 1)", k.n)
		}
	}
	for _, k := range []struct {
		name string
		d    Age
	}{{"keep_age", r.KeepAge}, {"grace", r.Grace}, {"obsolete_retention", r.ObsoleteRetention}, {"runs_keep_age", r.RunsKeepAge}} {
		switch {
		case k.d < 0:
			bad(k.name, "%s is negative", k.d)
		case k.d > 0 && k.d < Age(time.Second):
			// keep_age = 7 (a TOML integer) reads as 7ns
			bad(k.name, "%s (want at least 1s, written as a string: \"7d\", \"36h\")", k.d)
		}
	}
	if r.Interval < 0 || r.Interval > 0 && r.Interval < builder.Duration(time.Second) {
		bad("interval", "%s (want at least 1s)", time.Duration(r.Interval))
	}
	if !r.Snapshots() && (r.Grace != 0 || r.ObsoleteRetention != 0) {
		bad("grace", "grace and obsolete_retention apply only with keep_last or keep_age (without them no snapshot or package is pruned)")
	}
	if !r.Enabled() && r.Interval != 0 {
		bad("interval", "set without a keep rule (keep_last, keep_age, runs_keep_last, runs_keep_age): nothing would be pruned")
	}
	return errs
}

// Age is a duration written as in the prune commands' flags: a
// time.ParseDuration string optionally led by a whole number of days
// ("7d", "1d12h", "36h", "90m").
type Age time.Duration

// ParseAge parses an Age; a leading "-" makes it negative.
func ParseAge(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	var days int64
	hasDays := false
	if i := strings.IndexByte(t, 'd'); i > 0 {
		hasDays = true
		n, err := strconv.ParseInt(t[:i], 10, 64)
		if err != nil || n > 100*365 {
			return 0, fmt.Errorf("invalid duration %q (want e.g. 7d, 36h, 1d12h)", s)
		}
		days, t = n, t[i+1:]
	}
	var rest time.Duration
	if t != "" || !hasDays {
		var err error
		if rest, err = time.ParseDuration(t); err != nil || rest < 0 {
			return 0, fmt.Errorf("invalid duration %q (want e.g. 7d, 36h, 1d12h)", s)
		}
	}
	d := time.Duration(days)*24*time.Hour + rest
	if neg {
		d = -d
	}
	return d, nil
}

// UnmarshalText reads an Age.
func (a *Age) UnmarshalText(b []byte) error {
	d, err := ParseAge(string(b))
	if err != nil {
		return err
	}
	*a = Age(d)
	return nil
}

// MarshalText writes an Age as String does.
func (a Age) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// String is whole days as "7d", else time.Duration's form.
func (a Age) String() string {
	d := time.Duration(a)
	if d != 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}
