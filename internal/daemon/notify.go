package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/store"
)

// Notification is the JSON body a POST notify URL receives after a
// publish of a target.
type Notification struct {
	Target   string   `json:"target"` // "branch/arch"
	Branch   string   `json:"branch"`
	Arch     string   `json:"arch"`
	Snapshot string   `json:"snapshot"`
	Run      string   `json:"run,omitempty"`
	Added    []string `json:"added"`   // package files the snapshot added
	Removed  []string `json:"removed"` // package files it no longer lists
}

// NotifyRecord is the outcome of calling one notify URL for one publish,
// kept at <branch>/<arch>/.kiln/notify/<time>-<n>.json. URL is only the
// URL's scheme and host: notify URLs may carry tokens.
type NotifyRecord struct {
	URL      string          `json:"url"`
	Method   string          `json:"method"`
	Snapshot string          `json:"snapshot"`
	Run      string          `json:"run,omitempty"`
	Outcome  string          `json:"outcome"` // ok, failed or cancelled
	Attempts []NotifyAttempt `json:"attempts"`
	Time     time.Time       `json:"time"` // when the last attempt ended
}

// NotifyAttempt is one HTTP request of a NotifyRecord.
type NotifyAttempt struct {
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	Status   int           `json:"status,omitempty"`
	Error    string        `json:"error,omitempty"`
}

// notifier calls the configured notify URLs. Calls run on their own
// goroutines (tracked by wg; Run waits for them), never blocking a
// target's loop; each URL's attempts are bounded by its retries and
// each attempt by its timeout.
type notifier struct {
	entries []config.Notify // resolved
	client  *http.Client
	wg      sync.WaitGroup

	mu     sync.Mutex
	counts map[[2]string]uint64 // {target, outcome} → calls
	seq    uint64
}

func newNotifier(c *config.Config) (*notifier, error) {
	n := &notifier{client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		counts: map[[2]string]uint64{}}
	for i, e := range c.Notify {
		r, err := e.Resolved()
		if err != nil {
			return nil, inputErr(fmt.Errorf("notify[%d]: %w", i, err))
		}
		n.entries = append(n.entries, r)
	}
	return n, nil
}

// NotifyCounts returns how many notify calls ended with each outcome,
// by target, for the metrics (kiln_notify_total).
func (d *Daemon) NotifyCounts() map[[2]string]uint64 {
	d.notify.mu.Lock()
	defer d.notify.mu.Unlock()
	out := make(map[[2]string]uint64, len(d.notify.counts))
	for k, v := range d.notify.counts {
		out[k] = v
	}
	return out
}

// notifyPublished calls, in the background, every notify URL configured
// for t about the snapshots a run published (the first one's parent to
// the last one). ctx ends retries still waiting.
func (d *Daemon) notifyPublished(ctx context.Context, t *Target, run string, snapshots []string) {
	var entries []config.Notify
	for _, e := range d.notify.entries {
		if e.For(t.Name()) {
			entries = append(entries, e)
		}
	}
	if len(entries) == 0 || len(snapshots) == 0 {
		return
	}
	d.notify.wg.Go(func() {
		msg, err := t.notification(ctx, run, snapshots)
		if err != nil {
			d.log.Error("notify: reading the published snapshots failed", "target", t.Name(), "err", err)
			return
		}
		var wg sync.WaitGroup
		for _, e := range entries {
			wg.Go(func() { d.callNotify(ctx, t, e, msg) })
		}
		wg.Wait()
	})
}

// notification is what changed from the first snapshot's parent to the
// last snapshot.
func (t *Target) notification(ctx context.Context, run string, snapshots []string) (Notification, error) {
	n := Notification{Target: t.Name(), Branch: t.rt.Branch, Arch: t.rt.Arch, Run: run,
		Snapshot: snapshots[len(snapshots)-1], Added: []string{}, Removed: []string{}}
	last, err := t.repo.Manifest(ctx, n.Snapshot)
	if err != nil {
		return n, err
	}
	first, err := t.repo.Manifest(ctx, snapshots[0])
	if err != nil {
		return n, err
	}
	before := map[string]bool{}
	if first.Parent != "" {
		parent, err := t.repo.Manifest(ctx, first.Parent)
		if err != nil {
			return n, err
		}
		for _, p := range parent.Packages {
			before[p.File] = true
		}
	}
	after := map[string]bool{}
	for _, p := range last.Packages {
		after[p.File] = true
		if !before[p.File] {
			n.Added = append(n.Added, p.File)
		}
	}
	for f := range before {
		if !after[f] {
			n.Removed = append(n.Removed, f)
		}
	}
	slices.Sort(n.Added)
	slices.Sort(n.Removed)
	return n, nil
}

// callNotify calls one URL until it answers 2xx, with retries and a
// doubling backoff, and records the outcome.
func (d *Daemon) callNotify(ctx context.Context, t *Target, e config.Notify, msg Notification) {
	rec := NotifyRecord{URL: redactHost(string(e.URL)), Method: e.Method, Snapshot: msg.Snapshot, Run: msg.Run, Outcome: "failed"}
	body, _ := json.Marshal(msg)
	backoff := time.Duration(e.Backoff)
	log := d.log.With("target", t.Name(), "url", rec.URL, "snapshot", msg.Snapshot)
	for attempt := 0; attempt <= *e.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		if ctx.Err() != nil {
			rec.Outcome = "cancelled"
			break
		}
		a := d.notifyOnce(ctx, e, body)
		rec.Attempts = append(rec.Attempts, a)
		if a.Error == "" {
			rec.Outcome = "ok"
			break
		}
		log.Warn("notify attempt failed", "attempt", attempt+1, "status", a.Status, "err", a.Error)
	}
	rec.Time = time.Now().UTC()
	if rec.Outcome == "ok" {
		log.Info("notified", "attempts", len(rec.Attempts))
	} else {
		log.Error("notify gave up", "outcome", rec.Outcome, "attempts", len(rec.Attempts))
	}
	d.notify.mu.Lock()
	d.notify.counts[[2]string{t.Name(), rec.Outcome}]++
	d.notify.seq++
	seq := d.notify.seq
	d.notify.mu.Unlock()
	if err := t.putNotifyRecord(context.WithoutCancel(ctx), rec, seq); err != nil {
		log.Error("notify: recording the outcome failed", "err", err)
	}
}

func (d *Daemon) notifyOnce(ctx context.Context, e config.Notify, body []byte) NotifyAttempt {
	a := NotifyAttempt{Start: time.Now().UTC()}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(e.Timeout))
	defer cancel()
	var rd io.Reader
	if e.Method == http.MethodPost {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, e.Method, string(e.URL), rd)
	if err != nil {
		a.Error = "bad request" // the URL may hold a token: not in the message
		return a
	}
	req.Header.Set("User-Agent", "kiln")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.notify.client.Do(req)
	a.Duration = time.Since(a.Start)
	if err != nil {
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			err = ue.Unwrap() // *url.Error carries the URL
		}
		a.Error = redactText(err.Error())
		if errors.Is(err, context.DeadlineExceeded) {
			a.Error = fmt.Sprintf("no answer within %s", time.Duration(e.Timeout))
		}
		return a
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	a.Status = resp.StatusCode
	if resp.StatusCode/100 != 2 {
		a.Error = resp.Status
	}
	return a
}

func (t *Target) notifyPrefix() string {
	return strings.TrimSuffix(t.processedKey(), "processed.json") + "notify/"
}

func (t *Target) putNotifyRecord(ctx context.Context, rec NotifyRecord, seq uint64) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%s%s-%06d.json", t.notifyPrefix(), rec.Time.Format("20060102T150405.000Z"), seq%1000000)
	_, err = t.opts.Store.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{ContentType: "application/json"})
	return err
}

// maxNotifyRecords bounds Notifications' answer.
const maxNotifyRecords = 100

// Notifications reads the target's newest notify records (at most
// limit, at most 100), newest first.
func (t *Target) Notifications(ctx context.Context, limit int) ([]NotifyRecord, error) {
	if limit <= 0 || limit > maxNotifyRecords {
		limit = maxNotifyRecords
	}
	var keys []string
	err := t.opts.Store.List(ctx, t.notifyPrefix(), "", func(o store.ObjectInfo) error {
		if strings.HasSuffix(o.Key, ".json") {
			keys = append(keys, o.Key)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(keys)
	slices.Reverse(keys)
	if len(keys) > limit {
		keys = keys[:limit]
	}
	out := []NotifyRecord{}
	for _, k := range keys {
		var r NotifyRecord
		_, err := getJSON(ctx, t.opts.Store, k, 1<<20, &r)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
