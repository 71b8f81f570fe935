package ssh

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

// Check implements builder.Checker: it connects (verifying the host key
// against known_hosts, which a refused key makes the builder lost as for a
// build), runs `uname -a` and `"<haikuporter>" --version`, and sizes the
// package cache. It does not set the builder up for a tree. The report is
// filled as far as Check got, also on error.
func (b *Builder) Check(ctx context.Context) (builder.CheckReport, error) {
	rep := builder.CheckReport{Name: b.cfg.Name}
	if !b.busy.CompareAndSwap(false, true) {
		return rep, fmt.Errorf("ssh builder %s: %w", b.cfg.Name, builder.ErrBusy)
	}
	defer b.busy.Store(false)
	c, err := b.connect(ctx)
	if err != nil {
		return rep, err
	}
	rep.HostKey = c.hostKey
	fail := func(what string, err error) (builder.CheckReport, error) {
		if errors.Is(err, errDisconnected) || !c.alive() {
			b.dropConn()
			b.setState(builder.StateNotAvailable, what+": "+err.Error())
			err = fmt.Errorf("%w: %w", builder.ErrTransient, err)
		}
		return rep, fmt.Errorf("ssh builder %s: %s: %w", b.cfg.Name, what, err)
	}
	lines, err := c.output(ctx, "uname -a")
	if err != nil {
		return fail("uname -a", err)
	}
	rep.Uname = strings.TrimSpace(strings.Join(lines, "\n"))
	hp := `"` + b.cfg.Haikuporter + `" --version`
	lines, err = c.output(ctx, hp)
	if err != nil {
		return fail(hp, fmt.Errorf("%w (output: %s)", err, strings.Join(lines, " / ")))
	}
	rep.Haikuporter = strings.TrimSpace(strings.Join(lines, "\n"))
	entries, err := c.sftp.ReadDir(b.cfg.Cache)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Never set up: an empty cache.
	case err != nil:
		return fail("list "+b.cfg.Cache, err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".hpkg") && e.Mode().IsRegular() {
			rep.CachePackages++
			rep.CacheBytes += e.Size()
		}
	}
	return rep, nil
}

// CheckOptions are the Options of a builder made only to be checked
// (`kiln builder check`, `kiln doctor`): one connection attempt, no pause
// after a failed one.
func CheckOptions(kh *KnownHosts) Options {
	return Options{KnownHosts: kh, Backoff: func(int) time.Duration { return 0 }}
}
