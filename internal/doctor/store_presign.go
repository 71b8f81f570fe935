package doctor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// presign GETs a presigned URL of the probe over plain HTTP and compares
// the bytes (kiln serve redirects repository clients and builders to such
// URLs). Stores that do not presign (the directory store) do not apply.
func (p *storeProbe) presign(ctx context.Context) Result {
	if r, ok := p.needStore(); !ok {
		return r
	}
	ps, isPresigner := p.st.(store.Presigner)
	if !isPresigner {
		return okf("not applicable: %s hands out no URLs (kiln serve streams its objects itself)", p.st)
	}
	if p.data == nil {
		return skipf("the probe could not be written")
	}
	url, err := ps.PresignGet(ctx, p.key, 5*time.Minute)
	if err != nil {
		return failf(storeFix(err), "presign a GET of %s: %v", p.key, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return failf("", "presigned URL of %s: %v", p.key, err)
	}
	resp, err := p.opts.HTTPClient.Do(req)
	if err != nil {
		return failf("the store's URLs must be reachable from kiln's clients and builders: check the endpoint",
			"GET presigned URL of %s: %v", p.key, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %.200s", resp.Status, bytes.TrimSpace(got))
	}
	if err != nil {
		return failf("the store refuses its own presigned URLs: check the credentials' permissions, the region and the clock",
			"GET presigned URL of %s: %v", p.key, err)
	}
	if !bytes.Equal(got, p.data) {
		return failf("the presigned URL serves something else: check the endpoint and a proxy in between",
			"GET presigned URL of %s: %d bytes that differ from the %d written", p.key, len(got), len(p.data))
	}
	return okf("a presigned GET of %s returned its %d bytes", p.key, len(got))
}

// clock compares the probe's modification time as the store reports it
// with this machine's clock at the time of the write.
func (p *storeProbe) clock(ctx context.Context) Result {
	if r, ok := p.needStore(); !ok {
		return r
	}
	if p.data == nil {
		return skipf("the probe could not be written")
	}
	info, err := p.st.Stat(ctx, p.key)
	if err != nil {
		return failf(storeFix(err), "stat %s: %v", p.key, err)
	}
	skew := clockSkew(info.Modified, p.before, p.after)
	abs := skew.Abs()
	what := "ahead of"
	if skew < 0 {
		what = "behind"
	}
	const fix = "kiln's leases and heartbeats compare times across machines: synchronise this machine's clock (NTP: timedatectl set-ntp true) or the store's"
	switch {
	case info.Modified.IsZero():
		return warnf("", "%s reports no modification time", p.key)
	case abs > p.opts.MaxSkew:
		return failf(fix, "the store's clock is %v %s this machine's (more than %v)", abs.Round(time.Second), what, p.opts.MaxSkew)
	case abs > p.opts.MaxSkew/6:
		return warnf(fix, "the store's clock is %v %s this machine's", abs.Round(time.Second), what)
	case skew == 0:
		return okf("the store's clock agrees with this machine's (to the second)")
	}
	return okf("the store's clock is %v %s this machine's", abs.Round(time.Second), what)
}

// clockSkew is how far modified (the store's time of a write, to the
// second as S3 reports it) lies outside [before, after] (this machine's
// clock around the write): positive when the store is ahead.
func clockSkew(modified, before, after time.Time) time.Duration {
	lo := before.Truncate(time.Second)
	switch {
	case modified.Before(lo):
		return modified.Sub(lo)
	case modified.After(after):
		return modified.Sub(after)
	}
	return 0
}

// delete deletes the probes and checks that they are gone.
func (p *storeProbe) delete(ctx context.Context) Result {
	if r, ok := p.needStore(); !ok {
		return r
	}
	if len(p.written) == 0 {
		return skipf("no probe was written")
	}
	for key := range p.written {
		if err := p.st.Delete(ctx, key); err != nil {
			return failf(storeFix(err), "delete %s: %v (kiln prunes old snapshots and runs by deleting)", key, err)
		}
		_, err := p.st.Stat(ctx, key)
		switch {
		case err == nil:
			return failf("kiln prunes by deleting: use a store whose deletes take effect", "%s is still there after its delete", key)
		case !errors.Is(err, store.ErrNotFound):
			return failf(storeFix(err), "stat %s after its delete: %v", key, err)
		}
	}
	return okf("deleted the probe objects (%d)", len(p.written))
}
