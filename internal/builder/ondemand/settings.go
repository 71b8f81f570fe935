package ondemand

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Settings are the on-demand part of a builder's config, e.g. in kiln.toml:
//
//	[builders.ondemand.riscv64]
//	start = ["/usr/local/bin/vm", "start", "riscv64"]   # or start_url = "https://…"
//	stop = ["/usr/local/bin/vm", "stop", "riscv64"]     # or stop_url
//	start_timeout = "10m"
//	idle_time = "15m"
type Settings struct {
	Start              []string         `toml:"start"`                 // command that starts the machine (or start_url)
	StartURL           string           `toml:"start_url"`             // URL that starts the machine (or start)
	Stop               []string         `toml:"stop"`                  // command that stops it (optional: else never stopped)
	StopURL            string           `toml:"stop_url"`              // URL that stops it (or stop)
	Method             string           `toml:"method"`                // for the URLs; default POST
	ActionTimeout      builder.Duration `toml:"action_timeout"`        // per start or stop action; default 5m
	StartTimeout       builder.Duration `toml:"start_timeout"`         // the start plus the wait until the builder prepares; default 10m
	PollInterval       builder.Duration `toml:"poll_interval"`         // pause between attempts to reach it while it starts; default 5s
	IdleTime           builder.Duration `toml:"idle_time"`             // up this long without a build: stopped; default 15m; negative: never
	MaxStartFailures   int              `toml:"max_start_failures"`    // failed starts in a row that make the builder lost; default 3
	KeepRunningOnClose bool             `toml:"keep_running_on_close"` // leave a started machine running when kiln stops
}

// Config returns the decorator's Config; errors name the builder and the
// bad setting.
func (s Settings) Config(name string, logger *slog.Logger, notify builder.Notifier) (Config, error) {
	c := Config{
		Start:              Action{Command: s.Start, URL: s.StartURL, Method: s.Method, Timeout: time.Duration(s.ActionTimeout)},
		Stop:               Action{Command: s.Stop, URL: s.StopURL, Method: s.Method, Timeout: time.Duration(s.ActionTimeout)},
		StartTimeout:       time.Duration(s.StartTimeout),
		PollInterval:       time.Duration(s.PollInterval),
		IdleTime:           time.Duration(s.IdleTime),
		MaxStartFailures:   s.MaxStartFailures,
		KeepRunningOnClose: s.KeepRunningOnClose,
		Logger:             logger,
		Notify:             notify,
	}
	check := c
	if err := check.defaults(); err != nil {
		return Config{}, fmt.Errorf("builder %s: %w", name, err)
	}
	return c, nil
}
