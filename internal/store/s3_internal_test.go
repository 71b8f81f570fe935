package store

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestWholeAsRange(t *testing.T) {
	const data = "0123456789"
	for _, tc := range []struct {
		opts GetOptions
		want string
		err  error
	}{
		{GetOptions{Offset: 2, Length: 3}, "234", nil},
		{GetOptions{Offset: 7}, "789", nil},
		{GetOptions{Offset: 0, Length: 20}, data, nil},
		{GetOptions{Offset: 10}, "", ErrInvalidRange},
	} {
		rc, info, err := wholeAsRange(io.NopCloser(strings.NewReader(data)), ObjectInfo{Key: "k", Size: 10}, tc.opts)
		if !errors.Is(err, tc.err) {
			t.Fatalf("%+v: %v", tc.opts, err)
		}
		if err != nil {
			continue
		}
		got, _ := io.ReadAll(rc)
		if string(got) != tc.want || info.Size != 10 {
			t.Errorf("%+v: %q (size %d), want %q", tc.opts, got, info.Size, tc.want)
		}
	}
}

func TestParseContentRangeTotal(t *testing.T) {
	for cr, want := range map[string]int64{"bytes 0-9/1000": 1000, "bytes 5-5/6": 6, "bytes */7": 7, "": -1, "bytes 0-9/*": -1, "bytes 0-9/-3": -1} {
		got, ok := parseContentRangeTotal(cr)
		if (want < 0) == ok || (ok && got != want) {
			t.Errorf("parseContentRangeTotal(%q) = %d, %v", cr, got, ok)
		}
	}
}
