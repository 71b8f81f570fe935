package main

import (
	"context"
	"fmt"

	"github.com/haikuports/kiln/internal/store"
)

// openURLStore opens the non-file store URLs.
func openURLStore(ctx context.Context, url string) (store.Store, error) {
	return nil, fmt.Errorf("store %s: only directory stores are supported by this build", url)
}
