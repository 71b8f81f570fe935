package repo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The small JSON objects kiln keeps under .kiln/ (head.json, lease.json,
// obsolete.json, import.json) are read by the parsers below; each takes
// the stored bytes and the key (for messages) and fails, wrapping
// ErrBadManifest, on anything but exactly one JSON object of the expected
// shape (trailing data included). Sizes are bounded by the getSmall
// limits of their callers.

// decodeStrict decodes b, which must hold exactly one JSON object, into v.
func decodeStrict(b []byte, v any) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return errors.New("not a JSON object")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// parseHead reads head.json: a known schema, a snapshot id and a hex
// SHA-256 of the repo.
func parseHead(b []byte, key string) (*Head, error) {
	var h Head
	if err := decodeStrict(b, &h); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrBadManifest, key, err)
	}
	if h.Schema < 1 || h.Schema > ManifestSchema || !validSnapshotID(h.Snapshot) || !isHexSHA256(h.RepoSHA256) {
		return nil, fmt.Errorf("%w: %s: bad schema, snapshot or repoSHA256", ErrBadManifest, key)
	}
	return &h, nil
}

// parseLease reads lease.json: a holder and a token are required.
func parseLease(b []byte, key string) (LeaseInfo, error) {
	var li LeaseInfo
	if err := decodeStrict(b, &li); err != nil {
		return LeaseInfo{}, fmt.Errorf("%w: %s: %v", ErrBadManifest, key, err)
	}
	if li.Holder == "" || li.Token == "" {
		return LeaseInfo{}, fmt.Errorf("%w: %s: no holder or token", ErrBadManifest, key)
	}
	return li, nil
}

// parseObsoleteIndex reads obsolete.json: package file names to the time
// they were moved to .obsolete/.
func parseObsoleteIndex(b []byte, key string) (obsoleteIndex, error) {
	var idx obsoleteIndex
	if err := decodeStrict(b, &idx); err != nil {
		return obsoleteIndex{}, fmt.Errorf("%w: %s: %v", ErrBadManifest, key, err)
	}
	if idx.Moved == nil {
		return obsoleteIndex{}, fmt.Errorf("%w: %s: no \"moved\" object", ErrBadManifest, key)
	}
	for f := range idx.Moved {
		if f == "" || !validSegment(f) {
			return obsoleteIndex{}, fmt.Errorf("%w: %s: bad file name %q", ErrBadManifest, key, f)
		}
	}
	return idx, nil
}

// parseImportCheckpoint reads import.json: package file names to the size
// and SHA-256 an earlier run of the import uploaded.
func parseImportCheckpoint(b []byte, key string) (importCheckpoint, error) {
	var ck importCheckpoint
	if err := decodeStrict(b, &ck); err != nil {
		return importCheckpoint{}, fmt.Errorf("%w: %s: %v", ErrBadManifest, key, err)
	}
	if ck.Uploaded == nil {
		return importCheckpoint{}, fmt.Errorf("%w: %s: no \"uploaded\" object", ErrBadManifest, key)
	}
	for f, e := range ck.Uploaded {
		if f == "" || !validSegment(f) || e.Size < 0 || !isHexSHA256(e.SHA256) {
			return importCheckpoint{}, fmt.Errorf("%w: %s: bad entry %q", ErrBadManifest, key, f)
		}
	}
	return ck, nil
}
