package toggle

import (
	"context"
	"fmt"

	"github.com/haikuports/kiln/internal/builder"
)

// Builder is a builder.Builder that its Switch can disable. It passes
// the capabilities of the builder it wraps through (Cacher, URLFetcher,
// Checker, Disconnecter).
type Builder struct {
	inner builder.Builder
	sw    *Switch
}

// Wrap returns b switched by sw.
func Wrap(b builder.Builder, sw *Switch) *Builder { return &Builder{inner: b, sw: sw} }

// Inner returns the wrapped builder.
func (b *Builder) Inner() builder.Builder { return b.inner }

// Name implements builder.Builder.
func (b *Builder) Name() string { return b.inner.Name() }

// Status implements builder.Builder: StateDisabled with the reason
// (and since when) while disabled, else the inner builder's status.
func (b *Builder) Status() builder.Status {
	st := b.inner.Status()
	if o, off := b.sw.Disabled(b.Name()); off {
		st.State, st.Reason, st.Since = builder.StateDisabled, reason(o), o.Time
	}
	return st
}

func reason(o Off) string {
	switch {
	case o.Reason != "":
		return o.Reason
	case o.By != "":
		return "disabled by " + o.By
	}
	return "disabled"
}

// unavailable is the error of Prepare and Build while disabled.
func (b *Builder) unavailable() error {
	if o, off := b.sw.Disabled(b.Name()); off {
		return fmt.Errorf("toggle: builder %s: %w: disabled: %s", b.Name(), builder.ErrUnavailable, reason(o))
	}
	return nil
}

// Prepare implements builder.Builder; a disabled builder is not touched.
func (b *Builder) Prepare(ctx context.Context, tree builder.Tree) error {
	if err := b.unavailable(); err != nil {
		return err
	}
	return b.inner.Prepare(ctx, tree)
}

// Build implements builder.Builder. Whether the builder is disabled is
// decided when the build starts: a build running when it is disabled
// runs to its end.
func (b *Builder) Build(ctx context.Context, job builder.Job) error {
	if err := b.unavailable(); err != nil {
		return err
	}
	return b.inner.Build(ctx, job)
}

// Close implements builder.Builder.
func (b *Builder) Close() error { return b.inner.Close() }

// CachedPackages implements builder.Cacher (none when the inner builder
// keeps no cache).
func (b *Builder) CachedPackages() []string {
	if c, ok := b.inner.(builder.Cacher); ok {
		return c.CachedPackages()
	}
	return nil
}

// FetchesURLs implements builder.URLFetcher.
func (b *Builder) FetchesURLs() bool {
	f, ok := b.inner.(builder.URLFetcher)
	return ok && f.FetchesURLs()
}

// Check implements builder.Checker when the inner builder does; a
// disabled builder can be checked (before it is enabled again).
func (b *Builder) Check(ctx context.Context) (builder.CheckReport, error) {
	c, ok := b.inner.(builder.Checker)
	if !ok {
		return builder.CheckReport{Name: b.Name()}, fmt.Errorf("toggle: builder %s: the builder cannot be checked", b.Name())
	}
	return c.Check(ctx)
}

// Disconnect implements builder.Disconnecter when the inner builder does.
func (b *Builder) Disconnect() error {
	d, ok := b.inner.(builder.Disconnecter)
	if !ok {
		return fmt.Errorf("toggle: builder %s: the builder cannot disconnect", b.Name())
	}
	return d.Disconnect()
}
