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
	Start              []string         `toml:"start"`
	StartURL           string           `toml:"start_url"`
	Stop               []string         `toml:"stop"`
	StopURL            string           `toml:"stop_url"`
	Method             string           `toml:"method"`         // for the URLs; default POST
	ActionTimeout      builder.Duration `toml:"action_timeout"` // per start or stop action; default 5m
	StartTimeout       builder.Duration `toml:"start_timeout"`
	PollInterval       builder.Duration `toml:"poll_interval"`
	IdleTime           builder.Duration `toml:"idle_time"`
	MaxStartFailures   int              `toml:"max_start_failures"`
	KeepRunningOnClose bool             `toml:"keep_running_on_close"`
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
