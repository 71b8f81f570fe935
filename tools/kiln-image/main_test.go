package main

import (
	"strings"
	"testing"
)

// TestRunBadArguments: bad command lines fail naming what is wrong,
// before anything is downloaded or built.
func TestRunBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no -binary"},
		{[]string{"-binary", "amd64"}, "want ARCH=FILE"},
		{[]string{"-binary", "=kiln"}, "want ARCH=FILE"},
		{[]string{"-binary", "amd64=kiln", "-created", "yesterday"}, "-created"},
		{[]string{"-binary", "amd64=kiln", "extra"}, `unexpected arguments ["extra"]`},
		{[]string{"-binary", "riscv64=kiln", "-out", "/nonexistent/x.tar"}, `unknown architecture "riscv64"`},
		{[]string{"-no-such-flag"}, "no-such-flag"},
	} {
		err := run(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}
