package mock

import (
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
)

// Settings are mock builders as a config file describes them, e.g. in
// kiln.toml:
//
//	[[builders.mock]]
//	name = "mock"           # with count > 1: mock-1 … mock-4
//	count = 4
//	seed = 1
//	duration = "lognormal"  # zero (default), fixed, lognormal
//	median = "2m"
//	sigma = 1.0
//	max = "2h"
//	fail_rate = 0.02
//	transient_rate = 0.01
//	[builders.mock.ports]
//	gcc = "fail"            # succeed, fail, transient, hang, lost
type Settings struct {
	Name          string            `toml:"name"`           // builder name; with count > 1: name-1, name-2, …
	Count         int               `toml:"count"`          // how many such builders (default 1)
	Seed          uint64            `toml:"seed"`           // makes every random draw deterministic
	Duration      string            `toml:"duration"`       // build durations: zero (default), fixed or lognormal
	Median        builder.Duration  `toml:"median"`         // the fixed duration, or the lognormal median
	Sigma         float64           `toml:"sigma"`          // the lognormal spread
	Max           builder.Duration  `toml:"max"`            // longest duration drawn
	PrepareTime   builder.Duration  `toml:"prepare_time"`   // how long preparing the builder takes (git fetch, checkout)
	FailRate      float64           `toml:"fail_rate"`      // fraction of ports that really fail (per port, on every builder)
	TransientRate float64           `toml:"transient_rate"` // probability of a transient failure per attempt
	HangRate      float64           `toml:"hang_rate"`      // probability of a hang (no output) per attempt
	LostRate      float64           `toml:"lost_rate"`      // probability per build that the builder becomes lost
	LostAfter     int               `toml:"lost_after"`     // > 0: the builder is lost during its build after this many
	LogLines      int               `toml:"log_lines"`      // about how many output lines a build prints (default 40)
	PayloadSize   int64             `toml:"payload_size"`   // bytes of the file in each package made (default 4 KiB)
	Compression   string            `toml:"compression"`    // zlib (default), zstd, none
	CacheLimit    int               `toml:"cache_limit"`    // cached packages kept (least recently used go first; 0: no bound)
	FetchURLs     bool              `toml:"fetch_urls"`     // dependencies with a URL are downloaded by the builder, not streamed
	Ports         map[string]string `toml:"ports"`          // port name or name-version → result
}

// Configs returns the Config of each builder the settings describe; errors
// name the bad setting. logger and notify go into every Config.
func (s Settings) Configs(logger *slog.Logger, notify builder.Notifier) ([]Config, error) {
	if s.Name == "" {
		s.Name = "mock"
	}
	if s.Count < 0 {
		return nil, fmt.Errorf("mock builders %s: count %d", s.Name, s.Count)
	}
	count := max(s.Count, 1)
	comp := hpkg.CompressionZlib
	switch strings.ToLower(s.Compression) {
	case "", "zlib":
	case "zstd":
		comp = hpkg.CompressionZstd
	case "none":
		comp = hpkg.CompressionNone
	default:
		return nil, fmt.Errorf("mock builders %s: compression %q (want zlib, zstd or none)", s.Name, s.Compression)
	}
	ports := map[string]Override{}
	for _, k := range sortedKeys(s.Ports) {
		r := Result(s.Ports[k])
		if r == ResultDrawn || !r.Valid() {
			return nil, fmt.Errorf("mock builders %s: port %s: result %q (want succeed, fail, transient, hang or lost)", s.Name, k, s.Ports[k])
		}
		ports[k] = Override{Result: r}
	}
	var cfgs []Config
	for i := 1; i <= count; i++ {
		name := s.Name
		if count > 1 {
			name = fmt.Sprintf("%s-%d", s.Name, i)
		}
		c := Config{
			Name: name, Seed: s.Seed,
			Durations:       Durations{Dist: Distribution(s.Duration), Median: time.Duration(s.Median), Sigma: s.Sigma, Max: time.Duration(s.Max)},
			PrepareDuration: time.Duration(s.PrepareTime),
			FailRate:        s.FailRate, TransientRate: s.TransientRate, HangRate: s.HangRate,
			LostRate: s.LostRate, LostAfter: s.LostAfter,
			Ports: ports, LogLines: s.LogLines, PayloadSize: s.PayloadSize, Compression: comp,
			CacheLimit: s.CacheLimit, FetchURLs: s.FetchURLs,
			Logger: logger, Notify: notify,
		}
		if err := c.validate(); err != nil {
			return nil, err
		}
		cfgs = append(cfgs, c)
	}
	return cfgs, nil
}

// Builders makes the builders the settings describe.
func (s Settings) Builders(logger *slog.Logger, notify builder.Notifier) ([]*Builder, error) {
	cfgs, err := s.Configs(logger, notify)
	if err != nil {
		return nil, err
	}
	bs := make([]*Builder, len(cfgs))
	for i, c := range cfgs {
		if bs[i], err = New(c); err != nil {
			return nil, err
		}
	}
	return bs, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
