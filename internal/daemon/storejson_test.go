package daemon

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/store"
)

// TestGetJSON: a record is decoded with its ETag; a missing one is
// store.ErrNotFound; one that is not JSON, or is cut by the limit, wraps
// errBadJSON, names the key and still gives the ETag (the lease
// overwrites such a record by compare-and-swap).
func TestGetJSON(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	put := func(key, body string) string {
		t.Helper()
		oi, err := st.Put(ctx, key, strings.NewReader(body), int64(len(body)), store.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return oi.ETag
	}
	tests := []struct {
		name, body string
		limit      int64
		want       string // decoded commit; "" for an error
		wantErr    error
	}{
		{"record", `{"commit":"abc"}`, 64, "abc", nil},
		{"missing", "", 64, "", store.ErrNotFound},
		{"not json", `{"commit":`, 64, "", errBadJSON},
		{"cut by the limit", `{"commit":"` + strings.Repeat("a", 100) + `"}`, 32, "", errBadJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "master/x86_64/.kiln/" + strings.ReplaceAll(tt.name, " ", "-") + ".json"
			var etag string
			if tt.wantErr != store.ErrNotFound {
				etag = put(key, tt.body)
			}
			var p Processed
			got, err := getJSON(ctx, st, key, tt.limit, &p)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil && tt.wantErr == errBadJSON && !strings.Contains(err.Error(), key) {
				t.Errorf("error %q does not name %s", err, key)
			}
			if got != etag {
				t.Errorf("ETag %q, want %q", got, etag)
			}
			if p.Commit != tt.want {
				t.Errorf("commit %q, want %q", p.Commit, tt.want)
			}
		})
	}
}
