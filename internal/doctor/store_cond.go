package doctor

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/haikuports/kiln/internal/store"
)

// condFix is the hint when a store ignores or lacks conditional writes.
const condFix = "kiln's leases, heads and run records rely on conditional writes (If-None-Match: * and If-Match): " +
	"use a store that enforces them (AWS S3, versitygw, MinIO, Cloudflare R2, Ceph RGW and others do; check your provider's release notes), " +
	"or a proxy in front of the store that passes the headers on"

// createIfAbsent writes a new key with IfNoneMatch (must succeed), then
// again (must fail with a precondition failure and leave the first
// content).
func (p *storeProbe) createIfAbsent(ctx context.Context) Result {
	if r, ok := p.needStore(); !ok {
		return r
	}
	first := probeData(p.cia, "create-if-absent")
	if _, err := p.put(ctx, p.cia, first, store.PutOptions{IfNoneMatch: true}); err != nil {
		if errors.Is(err, store.ErrPreconditionFailed) {
			return failf(condFix, "a create-if-absent of the new key %s failed as if it existed: %v", p.cia, err)
		}
		return failf(condFix, "not supported: a create-if-absent (If-None-Match: *) of %s failed: %v", p.cia, err)
	}
	second := probeData(p.cia, "create-if-absent again")
	_, err := p.put(ctx, p.cia, second, store.PutOptions{IfNoneMatch: true})
	switch {
	case err == nil:
		return failf(condFix, "not enforced: a second create-if-absent (If-None-Match: *) of %s succeeded and replaced the first: the store ignores If-None-Match, so two kiln processes could both take one lease", p.cia)
	case !errors.Is(err, store.ErrPreconditionFailed):
		return failf(storeFix(err), "a second create-if-absent of %s failed, but not as a precondition failure (HTTP 412): %v", p.cia, err)
	}
	got, err := p.get(ctx, p.cia)
	if err != nil {
		return failf(storeFix(err), "get %s: %v", p.cia, err)
	}
	if !bytes.Equal(got, first) {
		return failf(condFix, "not enforced: the refused create-if-absent of %s changed its content", p.cia)
	}
	return okf("enforced: a second create-if-absent of %s was refused (precondition failed)", p.cia)
}

// wrongETag is an ETag no object has (an MD5 of the right length).
const wrongETag = `"00000000000000000000000000000000"`

// compareAndSwap overwrites the probe with IfMatch: a wrong ETag must
// fail and leave the content, the right one must succeed.
func (p *storeProbe) compareAndSwap(ctx context.Context) Result {
	if r, ok := p.needStore(); !ok {
		return r
	}
	if p.data == nil {
		return skipf("the probe could not be written")
	}
	cur, err := p.st.Stat(ctx, p.key)
	if err != nil {
		return failf(storeFix(err), "stat %s: %v", p.key, err)
	}
	if cur.ETag == "" {
		return failf(condFix, "not supported: %s has no ETag", p.key)
	}
	wrong := probeData(p.key, "compare-and-swap with a wrong ETag")
	before := time.Now()
	_, err = p.put(ctx, p.key, wrong, store.PutOptions{IfMatch: wrongETag})
	switch {
	case err == nil:
		// What the probe holds now, for the checks that follow.
		p.data, p.before, p.after = wrong, before, time.Now()
		return failf(condFix, "not enforced: a write of %s with If-Match %s (not its ETag %s) succeeded: the store ignores If-Match, so two kiln processes could both move a head", p.key, wrongETag, cur.ETag)
	case !errors.Is(err, store.ErrPreconditionFailed):
		return failf(storeFix(err), "a write of %s with a wrong If-Match failed, but not as a precondition failure (HTTP 412): %v", p.key, err)
	}
	right := probeData(p.key, "compare-and-swap")
	before = time.Now()
	info, err := p.put(ctx, p.key, right, store.PutOptions{IfMatch: cur.ETag})
	after := time.Now()
	if err != nil {
		return failf(condFix, "not supported: a write of %s with If-Match its own ETag %s failed: %v", p.key, cur.ETag, err)
	}
	got, err := p.get(ctx, p.key)
	if err != nil {
		return failf(storeFix(err), "get %s: %v", p.key, err)
	}
	if !bytes.Equal(got, right) {
		return failf(condFix, "a write of %s with the right If-Match succeeded but did not change the content", p.key)
	}
	p.data, p.etag, p.before, p.after = right, info.ETag, before, after
	return okf("enforced: If-Match with a wrong ETag was refused, with the right one it wrote %s", p.key)
}
