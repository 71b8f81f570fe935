package main

import (
	"bytes"
	"context"
	"testing"
)

// runKiln runs the kiln command line in-process with args (without the
// program name) and returns its standard output and error output.
func runKiln(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}
