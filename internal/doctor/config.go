package doctor

import (
	"errors"
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/config"
)

// ConfigCheck is the name of the config's check.
const ConfigCheck = "config"

// LoadConfig is the config check: it loads the file at path (or, with
// path "", the config made from environ's KILN_ key variables alone) with
// environ's overrides, and reports on it. The config is nil when the
// check failed; an invalid config's detail names the key and its position.
func LoadConfig(path string, environ []string) (*config.Config, Result) {
	var (
		cfg *config.Config
		err error
	)
	if path != "" {
		cfg, err = config.LoadEnv(path, environ)
	} else {
		cfg, err = config.FromEnv(environ)
	}
	if err != nil {
		r := failf("correct the key named above (docs/configuration.md lists every key)", "%v", err)
		if !errors.Is(err, config.ErrInvalid) {
			r.Fix = "give the path of a kiln.toml (kiln.example.toml is a documented one)"
		}
		r.Name = ConfigCheck
		return nil, r
	}
	r := DescribeConfig(cfg)
	return cfg, r
}

// DescribeConfig is the config check's result for a config that loaded.
func DescribeConfig(cfg *config.Config) Result {
	name := cfg.File
	if name == "" {
		name = "the KILN_ variables"
	}
	var targets []string
	for _, t := range cfg.Targets {
		targets = append(targets, t.Name())
	}
	n := fmt.Sprintf("%d targets", len(targets))
	if len(targets) == 1 {
		n = "1 target"
	}
	r := okf("%s: %s (%s), store %s", name, n, strings.Join(targets, ", "), cfg.Store.URL)
	r.Name = ConfigCheck
	return r
}
