package mock

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
)

// Result is what a simulated build does.
type Result string

// Results. The zero Result means "drawn from the Config's rates".
const (
	ResultDrawn     Result = ""
	ResultSucceed   Result = "succeed"   // every output is produced and collected
	ResultFail      Result = "fail"      // haikuporter exits 1: ErrBuildFailed
	ResultTransient Result = "transient" // the connection drops mid-build: ErrTransient
	ResultHang      Result = "hang"      // no more output, never ends until ctx is cancelled
	ResultLost      Result = "lost"      // the connection drops and the builder becomes lost
)

// Valid reports whether r is one of the results.
func (r Result) Valid() bool {
	switch r {
	case ResultDrawn, ResultSucceed, ResultFail, ResultTransient, ResultHang, ResultLost:
		return true
	}
	return false
}

// Distribution is how long simulated builds take.
type Distribution string

// Distributions.
const (
	DistZero      Distribution = "zero"      // no wait at all
	DistFixed     Distribution = "fixed"     // always Median
	DistLogNormal Distribution = "lognormal" // Median * exp(Sigma * N(0,1)), capped at Max
)

// Durations configure build durations. The duration of a port is drawn
// from (Config.Seed, port id) only: the same port takes the same time on
// every builder and every attempt.
type Durations struct {
	Dist   Distribution
	Median time.Duration
	Sigma  float64       // lognormal only; 1 is a wide spread (HaikuPorts' build times span minutes to hours)
	Max    time.Duration // cap, 0 = none
}

// Draw returns the duration for a random source.
func (d Durations) Draw(r *rand.Rand) time.Duration {
	var v time.Duration
	switch d.Dist {
	case DistFixed:
		v = d.Median
	case DistLogNormal:
		v = time.Duration(float64(d.Median) * math.Exp(d.Sigma*r.NormFloat64()))
	default:
		return 0
	}
	if d.Max > 0 && v > d.Max {
		v = d.Max
	}
	return max(v, 0)
}

func (d Durations) validate() error {
	switch d.Dist {
	case "", DistZero:
	case DistFixed, DistLogNormal:
		if d.Median < 0 || d.Sigma < 0 || d.Max < 0 {
			return fmt.Errorf("mock: durations must not be negative (median %v, sigma %v, max %v)", d.Median, d.Sigma, d.Max)
		}
	default:
		return fmt.Errorf("mock: unknown duration distribution %q (want zero, fixed or lognormal)", d.Dist)
	}
	return nil
}

// Override fixes what the builds of one port do (tests: "port X always
// fails"). Keys of Config.Ports are a port name or name-version.
type Override struct {
	Result Result
	// Duration, when not nil, replaces the drawn duration.
	Duration *time.Duration
	// Missing are outputs the build does not produce (the build then
	// fails with ErrBuildFailed, as a real one whose recipe lost a package).
	Missing []string
	// Produce, when not nil, are the only outputs the build produces (the
	// others are missing).
	Produce []string
	// Lines are printed in the build's haikuporter output before it
	// succeeds, fails or hangs.
	Lines []string
}

// Config configures a mock builder. The zero value of every field but Name
// is usable.
type Config struct {
	Name string
	// Seed makes every draw deterministic: durations per port; failures per
	// port; transient failures, hangs and losses per (builder, port,
	// attempt).
	Seed      uint64
	Durations Durations
	// PrepareDuration is how long Prepare takes (git fetch and checkout).
	PrepareDuration time.Duration

	// FailRate is the fraction of ports whose build really fails, drawn per
	// port: such a port fails on every builder and attempt.
	FailRate float64
	// TransientRate and HangRate are drawn per build attempt.
	TransientRate float64
	HangRate      float64
	// LostAfter > 0: the builder completes LostAfter builds; the next one
	// is interrupted (ErrTransient) and the builder becomes lost.
	LostAfter int
	// LostRate is the probability, per build, that the builder becomes lost
	// during it.
	LostRate float64
	// MaxConnectionErrors consecutive transient failures make the builder
	// lost (HaikuPorter: 10); 0 means 10.
	MaxConnectionErrors int

	// Ports are per-port overrides, by port name or name-version (the
	// latter wins). Set can change them later.
	Ports map[string]Override

	// LogLines is about how many haikuporter output lines a build prints
	// (spread over its duration); 0 means 40.
	LogLines int
	// PayloadSize is the size of the (incompressible) file each produced
	// package holds; 0 means 4 KiB. Packages larger than 1 MiB are written
	// to a temporary file in TempDir (default os.TempDir()) and streamed
	// from it, so memory stays flat.
	PayloadSize int64
	TempDir     string
	Compression hpkg.Compression

	// CacheLimit bounds the cached packages (least recently used go
	// first); 0 means no bound.
	CacheLimit int
	// FetchURLs: dependencies with a URL are downloaded by the builder
	// (an HTTP GET) instead of streamed by the master (URLFetcher).
	FetchURLs bool

	// HistoryLimit is how many build records History keeps (the oldest
	// go first); 0 means 10000.
	HistoryLimit int

	Logger *slog.Logger     // the builder log (setup and staging); nil discards
	Notify builder.Notifier // state changes; nil for none
}

func (c *Config) validate() error {
	if c.Name == "" {
		return fmt.Errorf("mock: builder needs a name")
	}
	if err := c.Durations.validate(); err != nil {
		return fmt.Errorf("builder %s: %w", c.Name, err)
	}
	for _, r := range []struct {
		name string
		v    float64
	}{{"fail rate", c.FailRate}, {"transient rate", c.TransientRate}, {"hang rate", c.HangRate}, {"lost rate", c.LostRate}} {
		if r.v < 0 || r.v > 1 || math.IsNaN(r.v) {
			return fmt.Errorf("mock: builder %s: %s %v is not between 0 and 1", c.Name, r.name, r.v)
		}
	}
	if c.TransientRate+c.HangRate+c.LostRate > 1 {
		return fmt.Errorf("mock: builder %s: transient, hang and lost rates add up to more than 1", c.Name)
	}
	for k, o := range c.Ports {
		if !o.Result.Valid() {
			return fmt.Errorf("mock: builder %s: port %s: unknown result %q", c.Name, k, o.Result)
		}
	}
	if c.LostAfter < 0 || c.LogLines < 0 || c.PayloadSize < 0 || c.CacheLimit < 0 || c.MaxConnectionErrors < 0 || c.HistoryLimit < 0 {
		return fmt.Errorf("mock: builder %s: negative setting", c.Name)
	}
	return nil
}
