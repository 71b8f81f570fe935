package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// Pause says whether a target is paused (HaikuPorter's buildmaster/stop
// file): a paused target starts no run, neither from the tree moving nor
// on request; a run in progress goes on (cancel it to stop it). It is
// kept in the store at <branch>/<arch>/.kiln/paused.json, so a restart
// and every replica honour it.
type Pause struct {
	Paused bool      `json:"paused"`
	By     string    `json:"by,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Time   time.Time `json:"time,omitzero"`
}

func (t *Target) pauseKey() string { return t.kilnKey("paused.json") }

// kilnKey is the store key of the target's daemon file name.
func (t *Target) kilnKey(name string) string {
	r := t.rt.Root
	if r != "" && r[len(r)-1] != '/' {
		r += "/"
	}
	return r + t.rt.Branch + "/" + t.rt.Arch + "/.kiln/" + name
}

// Pause reads whether the target is paused (not paused when nothing is
// recorded).
func (t *Target) Pause(ctx context.Context) (Pause, error) {
	var p Pause
	_, err := getJSON(ctx, t.opts.Store, t.pauseKey(), 64<<10, &p)
	if errors.Is(err, store.ErrNotFound) {
		return Pause{}, nil
	}
	return p, err
}

// SetPause records p (idempotent: pausing a paused target rewrites who
// and why). The daemon's loop reads it at every poll.
func (t *Target) SetPause(ctx context.Context, p Pause) error {
	if p.Time.IsZero() {
		p.Time = time.Now().UTC()
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = t.opts.Store.Put(ctx, t.pauseKey(), bytes.NewReader(b), int64(len(b)), store.PutOptions{ContentType: "application/json"})
	return err
}

// SetPause pauses or resumes the target (Target.SetPause) and shows it in
// the target's state at once; the loop starts runs again at its next poll
// after a resume.
func (d *Daemon) SetPause(ctx context.Context, t *Target, p Pause) error {
	if err := t.SetPause(ctx, p); err != nil {
		return err
	}
	d.update(t.Name(), func(s *TargetState) {
		s.Paused = nil
		if p.Paused {
			s.Paused = &p
		}
	})
	return nil
}
