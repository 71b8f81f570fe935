package config

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultMaxUpload bounds an upload to the loading dock when [dock]
// max_upload is not set.
const DefaultMaxUpload Size = 2 << 30

// Dock is the [dock] section of kiln serve: uploads of .hpkg files
// (POST /api/v1/targets/{branch}/{arch}/packages, docs/serve.md).
type Dock struct {
	// MaxUpload bounds one upload request, all its files together
	// (default 2GiB); a larger body is refused with 413.
	MaxUpload Size `toml:"max_upload"`
	// TempDir is where uploaded files are spooled until they are
	// published (default: the system's temporary directory).
	TempDir string `toml:"temp_dir"`
}

// Limit is MaxUpload or its default.
func (d Dock) Limit() int64 {
	if d.MaxUpload <= 0 {
		return int64(DefaultMaxUpload)
	}
	return int64(d.MaxUpload)
}

// Size is a number of bytes written as an integer or with a binary or
// decimal unit: 2GiB, 512MiB, 100KiB, 1GB, 1500000.
type Size int64

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// ParseSize parses a Size.
func ParseSize(s string) (Size, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("size %q: want a number of bytes, optionally with a unit (KiB, MiB, GiB, TiB, KB, MB, GB, TB)", s)
	}
	return Size(n * mult), nil
}

// UnmarshalText reads a Size.
func (z *Size) UnmarshalText(b []byte) error {
	v, err := ParseSize(string(b))
	if err != nil {
		return err
	}
	*z = v
	return nil
}

// MarshalText writes a Size in the largest binary unit that divides it.
func (z Size) MarshalText() ([]byte, error) { return []byte(z.String()), nil }

func (z Size) String() string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if z != 0 && int64(z)%u.mult == 0 {
			return strconv.FormatInt(int64(z)/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(z), 10)
}
