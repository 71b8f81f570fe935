package main

import (
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"github.com/haikuports/kiln/internal/config"
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
// a whole number of days ("7d", "2d12h", "-1d"), as [retention] keys do.
func parseDayDuration(s string) (time.Duration, error) { return config.ParseAge(s) }
