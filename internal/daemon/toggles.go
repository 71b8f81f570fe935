package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/toggle"
	"github.com/haikuports/kiln/internal/buildrun"
	"github.com/haikuports/kiln/internal/store"
)

// Builders are enabled and disabled by name, for every target at once:
// a name is one machine of the config, which each target that uses it
// drives through its own connection (MakeBuilders). Which are disabled
// is kept in the store at .kiln/builders.json (beside the targets, not
// below one), so a restart and every replica honour it; the daemon reads
// it again at every poll.

// ErrUnknownBuilder: no target has a builder of that name.
var ErrUnknownBuilder = errors.New("daemon: no such builder")

// buildersKey is the store key of the disabled builders.
const buildersKey = ".kiln/builders.json"

// buildersFile is the content of buildersKey.
type buildersFile struct {
	Disabled map[string]toggle.Off `json:"disabled"`
}

// readToggles reads the disabled builders and the file's ETag ("" when
// there is no file).
func readToggles(ctx context.Context, st store.Store) (map[string]toggle.Off, string, error) {
	var f buildersFile
	etag, err := getJSON(ctx, st, buildersKey, 1<<20, &f)
	if errors.Is(err, store.ErrNotFound) {
		return map[string]toggle.Off{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if f.Disabled == nil {
		f.Disabled = map[string]toggle.Off{}
	}
	return f.Disabled, etag, nil
}

// loadSwitch returns a Switch with the state the store holds.
func loadSwitch(ctx context.Context, st store.Store) (*toggle.Switch, error) {
	off, _, err := readToggles(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("disabled builders: %w", err)
	}
	sw := toggle.NewSwitch()
	sw.Replace(off)
	return sw, nil
}

// hasBuilder reports whether some target has a builder called name.
func (d *Daemon) hasBuilder(name string) bool {
	for _, t := range d.targets {
		for _, b := range t.Builders() {
			if b.Name() == name {
				return true
			}
		}
	}
	return false
}

// Disabled reports whether the builder name is disabled, and why.
func (d *Daemon) Disabled(name string) (toggle.Off, bool) { return d.toggles.Disabled(name) }

// SetBuilder disables the builder name (off not nil) or enables it (nil)
// for every target, records it in the store (a compare-and-swap, so
// replicas toggling other builders at the same time lose nothing) and
// announces the new state as a builder event on each target that has
// it. It reports whether the state changed (disabling a disabled builder
// again replaces its reason). An unknown name is ErrUnknownBuilder.
// Builds already running on the builder run to their end; the scheduler
// gives it no new ones.
func (d *Daemon) SetBuilder(ctx context.Context, name string, off *toggle.Off) (bool, error) {
	if !d.hasBuilder(name) {
		return false, fmt.Errorf("%w: %q", ErrUnknownBuilder, name)
	}
	if off != nil && off.Time.IsZero() {
		off.Time = time.Now().UTC()
	}
	// One read-modify-write at a time here, and no reload in between
	// (it could put back the state read before this write).
	d.toggleMu.Lock()
	defer d.toggleMu.Unlock()
	var all map[string]toggle.Off
	for attempt := 0; ; attempt++ {
		cur, etag, err := readToggles(ctx, d.opts.Store)
		if err != nil {
			return false, err
		}
		if _, was := cur[name]; off == nil && !was {
			all = cur // enabled already: nothing to write
			break
		}
		if off != nil {
			cur[name] = *off
		} else {
			delete(cur, name)
		}
		b, err := json.MarshalIndent(buildersFile{Disabled: cur}, "", "  ")
		if err != nil {
			return false, err
		}
		po := store.PutOptions{ContentType: "application/json", IfMatch: etag, IfNoneMatch: etag == ""}
		_, err = d.opts.Store.Put(ctx, buildersKey, bytes.NewReader(b), int64(len(b)), po)
		if errors.Is(err, store.ErrPreconditionFailed) && attempt < 5 {
			continue // another kiln wrote it meanwhile: apply ours to theirs
		}
		if err != nil {
			return false, fmt.Errorf("recording builder %s: %w", name, err)
		}
		all = cur
		break
	}
	// Replace also takes what other replicas changed meanwhile.
	changed := d.toggles.Replace(all)
	for _, n := range changed {
		d.announce(n)
	}
	return slices.Contains(changed, name), nil
}

// reloadToggles reads the disabled builders again (another replica may
// have changed them) and announces those that changed.
func (d *Daemon) reloadToggles(ctx context.Context) error {
	d.toggleMu.Lock()
	defer d.toggleMu.Unlock()
	off, _, err := readToggles(ctx, d.opts.Store)
	if err != nil {
		return err
	}
	for _, name := range d.toggles.Replace(off) {
		d.log.Info("builder state changed in the store", "builder", name)
		d.announce(name)
	}
	return nil
}

// watchToggles reloads the disabled builders every poll until ctx ends.
func (d *Daemon) watchToggles(ctx context.Context) {
	every(ctx, d.opts.Poll, func() {
		if err := d.reloadToggles(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("reading the disabled builders failed", "err", err)
		}
	})
}

// announce publishes the builder's state on the bus of every target
// that has it, and wakes the targets it is enabled on (one whose builders
// were all disabled plans again at once).
func (d *Daemon) announce(name string) {
	for _, t := range d.targets {
		for _, b := range t.Builders() {
			if b.Name() == name {
				st := b.Status()
				t.eng.Bus().Publish(buildrun.Event{Kind: buildrun.EventBuilder, Builder: name, State: string(st.State), Reason: st.Reason})
				if st.State != builder.StateDisabled {
					d.wakeTarget(t)
				}
			}
		}
	}
}

// BuildersEnabled returns an error wrapping buildrun.ErrNoBuilders when
// every builder of t is disabled: a run could not build anything (one
// in progress waits for a builder to be enabled), so none is started.
func (t *Target) BuildersEnabled() error {
	bs := t.Builders()
	var names []string
	for _, b := range bs {
		if b.Status().State != builder.StateDisabled {
			return nil
		}
		names = append(names, b.Name())
	}
	if len(bs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: every builder of %s is disabled (%s); enable one first", buildrun.ErrNoBuilders, t.Name(), strings.Join(names, ", "))
}
