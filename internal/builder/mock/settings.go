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
	Name          string            `toml:"name"`
	Count         int               `toml:"count"`
	Seed          uint64            `toml:"seed"`
	Duration      string            `toml:"duration"`
	Median        builder.Duration  `toml:"median"`
	Sigma         float64           `toml:"sigma"`
	Max           builder.Duration  `toml:"max"`
	PrepareTime   builder.Duration  `toml:"prepare_time"`
	FailRate      float64           `toml:"fail_rate"`
	TransientRate float64           `toml:"transient_rate"`
	HangRate      float64           `toml:"hang_rate"`
	LostRate      float64           `toml:"lost_rate"`
	LostAfter     int               `toml:"lost_after"`
	LogLines      int               `toml:"log_lines"`
	PayloadSize   int64             `toml:"payload_size"`
	Compression   string            `toml:"compression"` // zlib (default), zstd, none
	CacheLimit    int               `toml:"cache_limit"`
	FetchURLs     bool              `toml:"fetch_urls"`
	Ports         map[string]string `toml:"ports"` // port name or name-version → result
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
