package doctor

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// ProbePrefix is where the store checks write their probe objects (one
// random key below it per run, deleted when the run ends).
const ProbePrefix = ".kiln/doctor/"

// storeProbe is the state the store checks share: the store, the probe
// keys written and the last write's ETag and time.
type storeProbe struct {
	url  string
	opts Options
	st   store.Store
	key  string // the probe (written, overwritten, compare-and-swapped)
	cia  string // the create-if-absent probe
	// written are the keys a Put was attempted on (cleanup deletes them).
	written map[string]bool
	data    []byte // the probe's content as last written
	etag    string
	// before and after bracket the last successful write of key.
	before, after time.Time
}

// checks are the store checks in the order they must run.
func (p *storeProbe) checks() []Check {
	return []Check{
		{"store", p.open},
		{"store write", p.write},
		{"store create-if-absent", p.createIfAbsent},
		{"store compare-and-swap", p.compareAndSwap},
		{"store presigned URL", p.presign},
		{"store clock", p.clock},
		{"store delete", p.delete},
	}
}

// open opens the store, lists its top level and says what it holds: kiln
// targets, HaikuPorter repositories, nothing yet, or other things (a
// warning: is store.url right?).
func (p *storeProbe) open(ctx context.Context) Result {
	created := false
	if !strings.Contains(p.url, "://") || strings.HasPrefix(p.url, "file://") {
		// A directory: say so when opening it creates it (kiln serve would).
		_, err := store.Open(ctx, p.url, store.S3Options{})
		created = errors.Is(err, store.ErrNoStore)
	}
	st, err := p.opts.OpenStore(ctx, p.url)
	if err != nil {
		return failf(storeFix(err), "%v", err)
	}
	n := 0
	err = st.List(ctx, "", "/", func(store.ObjectInfo) error {
		n++
		if n >= 1000 {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return failf(storeFix(err), "list: %v", err)
	}
	found, err := repo.FindTargets(ctx, st, "")
	if err != nil {
		return failf(storeFix(err), "look for targets: %v", err)
	}
	p.st = st
	var rnd [8]byte
	rand.Read(rnd[:])
	p.key = ProbePrefix + hex.EncodeToString(rnd[:])
	p.cia = p.key + "-create"
	p.written = map[string]bool{}
	var kiln, hp []string
	for _, f := range found {
		if f.Kiln {
			kiln = append(kiln, f.Target.String())
		} else {
			hp = append(hp, f.Target.String())
		}
	}
	var what []string
	if len(kiln) > 0 {
		what = append(what, "kiln targets "+strings.Join(kiln, ", "))
	}
	if len(hp) > 0 {
		what = append(what, "HaikuPorter repositories "+strings.Join(hp, ", ")+" (kiln repo import takes them over)")
	}
	switch {
	case created:
		return okf("%s did not exist and was created, as kiln serve creates it (the first publish fills it)", st)
	case n == 0:
		return okf("%s lists: empty (the first publish fills it)", st)
	case len(what) == 0 && n <= 1 && p.onlyKilnEntries(ctx, st):
		return okf("%s lists: no target published yet", st)
	case len(what) == 0:
		return warnf("is store.url right? kiln serve would publish its targets next to what is there",
			"%s holds %s at the top but no kiln target or HaikuPorter repository", st, entries(n))
	}
	return okf("%s lists: %s", st, strings.Join(what, "; "))
}

// onlyKilnEntries reports whether the store's top level is only kiln's
// own .kiln/ prefix (probes, records of kiln serve).
func (p *storeProbe) onlyKilnEntries(ctx context.Context, st store.Store) bool {
	only := true
	err := st.List(ctx, "", "/", func(o store.ObjectInfo) error {
		if o.Key != ".kiln/" && !strings.HasPrefix(o.Key, ".~kiln") {
			only = false
		}
		return nil
	})
	return err == nil && only
}

func entries(n int) string {
	switch {
	case n == 1:
		return "1 entry"
	case n >= 1000:
		return "1000+ entries"
	}
	return fmt.Sprintf("%d entries", n)
}

var errStop = errors.New("stop")

// storeFix is the hint for an error of the store.
func storeFix(err error) string {
	var se *store.S3Error
	switch {
	case errors.Is(err, store.ErrNoCredentials):
		return "give S3 credentials as the message says (docs/store.md)"
	case errors.Is(err, store.ErrNoStore):
		return "correct store.url, or create the directory"
	case errors.As(err, &se) && (se.Status == http.StatusForbidden || se.Code == "AccessDenied" || se.Code == "SignatureDoesNotMatch" || se.Code == "InvalidAccessKeyId"):
		return "the credentials are refused or lack a permission: kiln needs s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject on the bucket (prefix)"
	case errors.As(err, &se) && se.Code == "NoSuchBucket":
		return "create the bucket, or correct store.url (s3://bucket/prefix)"
	case errors.As(err, &se) && se.Status == 0:
		return "is the endpoint right and reachable from here? (store.url ?endpoint=, ?region=, ?path-style=true; docs/store.md)"
	}
	return "see the error above (docs/store.md)"
}

// needStore is the result of a store check that cannot run.
func (p *storeProbe) needStore() (Result, bool) {
	if p.st == nil {
		return skipf("the store could not be opened"), false
	}
	return Result{}, true
}

// put writes data to key with opts, remembering the key for cleanup.
func (p *storeProbe) put(ctx context.Context, key string, data []byte, opts store.PutOptions) (store.ObjectInfo, error) {
	p.written[key] = true
	return p.st.Put(ctx, key, bytes.NewReader(data), int64(len(data)), opts)
}

// get reads key whole.
func (p *storeProbe) get(ctx context.Context, key string) ([]byte, error) {
	rc, _, err := p.st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 1<<20))
}

// probeData is a probe's content: says what it is, unique per write.
func probeData(key, what string) []byte {
	var rnd [16]byte
	rand.Read(rnd[:])
	return fmt.Appendf(nil, "kiln doctor probe %s (%s) %x\n", key, what, rnd)
}

// write puts the probe, reads it back and finds it in a listing.
func (p *storeProbe) write(ctx context.Context) Result {
	if r, ok := p.needStore(); !ok {
		return r
	}
	data := probeData(p.key, "write")
	p.before = time.Now()
	info, err := p.put(ctx, p.key, data, store.PutOptions{})
	p.after = time.Now()
	if err != nil {
		return failf(storeFix(err), "put %s: %v", p.key, err)
	}
	p.data, p.etag = data, info.ETag
	got, err := p.get(ctx, p.key)
	if err != nil {
		return failf(storeFix(err), "get %s after writing it: %v", p.key, err)
	}
	if !bytes.Equal(got, data) {
		return failf("the store does not keep what it is given: use another store",
			"get %s returned %d bytes that differ from the %d written", p.key, len(got), len(data))
	}
	listed := false
	err = p.st.List(ctx, p.key, "", func(o store.ObjectInfo) error {
		listed = listed || o.Key == p.key
		return nil
	})
	if err != nil {
		return failf(storeFix(err), "list %s: %v", p.key, err)
	}
	if !listed {
		return failf("kiln finds snapshots and leases by listing: use a store whose listings show what was written",
			"%s was written but a listing of it does not show it", p.key)
	}
	return okf("put, get and list of %s (%d bytes)", p.key, len(data))
}

// mirrorCheck runs the store checks on a [[mirror]] store in one line:
// the first problem, or all passed.
func mirrorCheck(i int, url string, opts Options) (Check, *storeProbe) {
	p := &storeProbe{url: url, opts: opts}
	return Check{Name: fmt.Sprintf("mirror[%d]", i), Run: func(ctx context.Context) Result {
		for _, c := range p.checks() {
			r := c.Run(ctx)
			if r.Status != OK {
				r.Detail = c.Name + ": " + r.Detail
				return r
			}
		}
		return okf("%s lists, writes, reads back, enforces create-if-absent and compare-and-swap, presigns (if it can), agrees on the time and deletes", p.st)
	}}, p
}

// cleanup deletes every probe key written, with a context of its own so
// that it runs also after ctx ended.
func (p *storeProbe) cleanup(ctx context.Context) {
	if p.st == nil {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.opts.Timeout)
	defer cancel()
	for key := range p.written {
		if err := p.st.Delete(cctx, key); err != nil {
			p.opts.Logger.Warn("doctor: could not delete a probe object", "key", key, "store", p.st.String(), "err", err)
		}
	}
}
