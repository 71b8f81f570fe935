package store

import (
	"context"
	"fmt"
	"time"
)

// full is a Store with both capabilities; decorators implement it and
// are exposed with only the capabilities of the store they wrap.
type full interface {
	Store
	Copier
	Presigner
	Unwrapper
}

// expose returns d as a Store that implements Copier and Presigner
// exactly when inner does, so that type assertions on a decorated store
// answer as they would on the backend.
func expose(inner Store, d full) Store {
	_, c := inner.(Copier)
	_, p := inner.(Presigner)
	switch {
	case c && p:
		return d
	case c:
		return struct {
			Store
			Copier
			Unwrapper
		}{d, d, d}
	case p:
		return struct {
			Store
			Presigner
			Unwrapper
		}{d, d, d}
	default:
		return struct {
			Store
			Unwrapper
		}{d, d}
	}
}

// Capabilities of inner for decorators that forward them.
func copyOf(inner Store) func(ctx context.Context, src, dst string, opts PutOptions) (ObjectInfo, error) {
	if c, ok := inner.(Copier); ok {
		return c.Copy
	}
	return func(context.Context, string, string, PutOptions) (ObjectInfo, error) {
		return ObjectInfo{}, fmt.Errorf("%w: %s cannot copy", ErrNotSupported, inner)
	}
}

func presignerOf(inner Store) Presigner {
	if p, ok := inner.(Presigner); ok {
		return p
	}
	return noPresign{inner}
}

type noPresign struct{ s Store }

func (n noPresign) PresignGet(context.Context, string, time.Duration) (string, error) {
	return "", fmt.Errorf("%w: %s cannot presign", ErrNotSupported, n.s)
}

func (n noPresign) PresignPut(context.Context, string, time.Duration) (string, error) {
	return "", fmt.Errorf("%w: %s cannot presign", ErrNotSupported, n.s)
}

// Unwrapper is implemented by decorators: Unwrap returns the wrapped store.
type Unwrapper interface {
	Unwrap() Store
}
