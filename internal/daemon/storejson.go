package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/haikuports/kiln/internal/store"
)

// errBadJSON: a small record the daemon keeps in the store (processed
// commit, pause, lease, relayed request, builder toggles, notify outcome)
// is not the JSON it wrote.
var errBadJSON = errors.New("not valid JSON")

// getJSON reads the JSON record at key into v, reading at most limit
// bytes, and returns the object's ETag. A missing key is
// store.ErrNotFound; a record that does not decode wraps errBadJSON
// (the ETag is still returned, so a caller can overwrite it by
// compare-and-swap).
func getJSON(ctx context.Context, st store.Store, key string, limit int64, v any) (etag string, err error) {
	rc, info, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit))
	if err != nil {
		return "", fmt.Errorf("daemon: read %s: %w", key, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return info.ETag, fmt.Errorf("%s: %w: %w", key, errBadJSON, err)
	}
	return info.ETag, nil
}
