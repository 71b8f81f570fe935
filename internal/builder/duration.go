package builder

import (
	"fmt"
	"time"
)

// Duration is a time.Duration that reads and writes itself as text ("90s",
// "15m"), for builder settings in config files (TOML, JSON).
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("builder: duration %q: want a number with a unit (90s, 15m, 1h)", b)
	}
	*d = Duration(v)
	return nil
}
