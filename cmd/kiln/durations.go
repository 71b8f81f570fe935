package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// dayDuration is a duration flag that also accepts days: "7d", "1d12h",
// "36h", "90m", "0".
type dayDuration struct{ d *time.Duration }

var _ pflag.Value = dayDuration{}

// durationVar defines a flag of type dayDuration.
func durationVar(fs *pflag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var(dayDuration{p}, name, usage+` (e.g. 7d, 36h, 1d12h)`)
}

func (v dayDuration) Type() string { return "duration" }

func (v dayDuration) String() string {
	if v.d == nil {
		return "0s"
	}
	d := *v.d
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

func (v dayDuration) Set(s string) error {
	d, err := parseDayDuration(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

// parseDayDuration parses a time.ParseDuration string optionally led by
// a whole number of days ("7d", "2d12h", "-1d").
func parseDayDuration(s string) (time.Duration, error) {
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
