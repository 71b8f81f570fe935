package buildrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/haikuports/kiln/internal/store"
)

// buildNumberRecord is .kiln/buildnumber.json.
type buildNumberRecord struct {
	Schema int   `json:"schema"`
	Next   int64 `json:"next"`
}

// allocateNumbers reserves n consecutive build numbers of the target and
// returns the first. The counter object is moved by compare-and-swap
// (create-if-absent for the first run), so two processes never get the
// same number; a lost race is retried.
func allocateNumbers(ctx context.Context, st store.Store, key string, n int) (int64, error) {
	if n <= 0 {
		return 0, nil
	}
	for attempt := 0; attempt < 50; attempt++ {
		cur := buildNumberRecord{Schema: RecordSchema, Next: 1}
		opts := store.PutOptions{IfNoneMatch: true, ContentType: "application/json"}
		b, oi, err := getLimited(ctx, st, key, 4096)
		switch {
		case err == nil:
			if err := decodeRecord(b, &cur); err != nil {
				return 0, fmt.Errorf("%w: %s: %v", ErrBadRecord, key, err)
			}
			if cur.Next < 1 {
				return 0, fmt.Errorf("%w: %s: next build number %d", ErrBadRecord, key, cur.Next)
			}
			opts = store.PutOptions{IfMatch: oi.ETag, ContentType: "application/json"}
		case !errors.Is(err, store.ErrNotFound):
			return 0, fmt.Errorf("buildrun: read %s: %w", key, err)
		}
		first := cur.Next
		nb, _ := json.Marshal(buildNumberRecord{Schema: RecordSchema, Next: first + int64(n)})
		_, err = st.Put(ctx, key, bytes.NewReader(nb), int64(len(nb)), opts)
		if err == nil {
			return first, nil
		}
		if !errors.Is(err, store.ErrPreconditionFailed) {
			return 0, fmt.Errorf("buildrun: write %s: %w", key, err)
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
	}
	return 0, fmt.Errorf("buildrun: %s: too much contention for build numbers", key)
}

// getLimited reads a whole object of at most limit bytes.
func getLimited(ctx context.Context, st store.Store, key string, limit int64) ([]byte, store.ObjectInfo, error) {
	rc, oi, err := st.Get(ctx, key, store.GetOptions{})
	if err != nil {
		return nil, oi, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, oi, err
	}
	if int64(len(b)) > limit {
		return nil, oi, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadRecord, key, limit)
	}
	return b, oi, nil
}

// decodeRecord decodes JSON strictly (unknown fields are an error) and
// checks the schema field when the value has one.
func decodeRecord(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data after the record")
	}
	var s struct {
		Schema int `json:"schema"`
	}
	if json.Unmarshal(b, &s) == nil && s.Schema > RecordSchema {
		return fmt.Errorf("schema %d is newer than this kiln reads (%d)", s.Schema, RecordSchema)
	}
	return nil
}

// putJSON writes v as indented JSON to key (unconditionally).
func putJSON(ctx context.Context, st store.Store, key string, v any) error {
	b, err := encodeRecord(v)
	if err != nil {
		return fmt.Errorf("buildrun: encode %s: %w", key, err)
	}
	if _, err := st.Put(ctx, key, bytes.NewReader(b), int64(len(b)), store.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("buildrun: write %s: %w", key, err)
	}
	return nil
}

// encodeRecord is a record as it is stored: indented JSON and a newline.
func encodeRecord(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
