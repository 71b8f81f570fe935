package store_test

import (
	"errors"
	"testing"

	"github.com/haikuports/kiln/internal/store"
	"github.com/haikuports/kiln/internal/store/s3test"
)

// Every kind of injected fault surfaces as a transient error, never as
// one of the sentinels.
func TestFaultsAreTransient(t *testing.T) {
	srv := s3test.StartFake(t)
	for name, f := range map[string]s3test.Faults{
		"errors": {Errors: 1},
		"drops":  {Drops: 1},
		"lost":   {LostResponses: 1},
	} {
		t.Run(name, func(t *testing.T) {
			proxy := s3test.StartFaultProxy(t, srv.Endpoint, f)
			s := proxy.Through(srv).Store(t, "f/")
			_, err := s.Stat(t.Context(), "missing")
			if err == nil || errors.Is(err, store.ErrNotFound) || !store.IsTransient(err) {
				t.Fatalf("Stat through %s: %v (transient: %v)", name, err, store.IsTransient(err))
			}
			if proxy.Injected.Load() != 1 {
				t.Fatalf("%d faults injected, want 1", proxy.Injected.Load())
			}
		})
	}
	// Delays alone slow requests down but break nothing.
	proxy := s3test.StartFaultProxy(t, srv.Endpoint, s3test.Faults{Delays: 1})
	if _, err := proxy.Through(srv).Store(t, "f/").Stat(t.Context(), "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("through delays: %v", err)
	}
}
