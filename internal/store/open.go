package store

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// Open opens the store a URL names, creating nothing:
//
//	file:///abs/dir, file://rel/dir or a plain path   the File backend
//	s3://bucket[/prefix][?endpoint=URL&region=R&path-style=true&profile=P&imds=true]
//
// A directory that does not exist is ErrNoStore (see OpenFile); use
// Create in commands that write. A value that looks like a URL but is
// malformed ("s3:/bucket", "s3:bucket") is an error, not a directory
// name (write "./s3:bucket" for that).
//
// For s3 URLs, non-zero fields of opts override the query parameters;
// credentials come from opts, else from the AWS sources (see NewS3).
func Open(ctx context.Context, rawURL string, opts S3Options) (Store, error) {
	return open(ctx, rawURL, opts, false)
}

// Create is Open for commands that write: a missing directory of the File
// backend is created. (S3 buckets are never created.)
func Create(ctx context.Context, rawURL string, opts S3Options) (Store, error) {
	return open(ctx, rawURL, opts, true)
}

func open(ctx context.Context, rawURL string, opts S3Options, create bool) (Store, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		if rawURL == "" {
			return nil, fmt.Errorf("store: empty store URL")
		}
		if first, _, _ := strings.Cut(rawURL, "/"); strings.Contains(first, ":") {
			return nil, fmt.Errorf("store: %q: malformed store URL (want s3://bucket/prefix, file:///dir or a directory; write ./%s for a directory of that name)", rawURL, rawURL)
		}
		return openFile(rawURL, create)
	}
	switch scheme {
	case "file":
		if rest == "" {
			return nil, fmt.Errorf("store: %q: no directory", rawURL)
		}
		return openFile(rest, create)
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

func openFile(dir string, create bool) (Store, error) {
	open := OpenFile
	if create {
		open = CreateFile
	}
	s, err := open(dir)
	if err != nil {
		return nil, err
	}
	return s, nil
}
