package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Open opens the store a URL names:
//
//	file:///abs/dir, file://rel/dir or a plain path   the File backend
//	s3://bucket[/prefix][?endpoint=URL&region=R&path-style=true&profile=P]
//
// For s3 URLs, non-zero fields of opts override the query parameters;
// credentials come from opts, else from the usual AWS sources
// (environment, shared config and credentials files, web identity, IMDS).
func Open(ctx context.Context, rawURL string, opts S3Options) (Store, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		if rawURL == "" {
			return nil, fmt.Errorf("store: empty store URL")
		}
		return openFile(rawURL)
	}
	switch scheme {
	case "file":
		if rest == "" {
			return nil, fmt.Errorf("store: %q: no directory", rawURL)
		}
		return openFile(rest)
	case "s3":
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("store: %q: %w", rawURL, err)
		}
		s, err := openS3URL(ctx, u, opts)
		if err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("store: %q: unknown scheme %q (want file:// or s3://)", rawURL, scheme)
	}
}

func openFile(dir string) (Store, error) {
	s, err := OpenFile(dir)
	if err != nil {
		return nil, err
	}
	return s, nil
}
