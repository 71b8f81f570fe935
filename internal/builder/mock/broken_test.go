package mock

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/buildertest"
)

// broken is a mock builder with one deliberate contract violation, to show
// that the conformance suite catches it.
type broken struct {
	*Builder
	kind string
}

func (b *broken) Build(ctx context.Context, job builder.Job) error {
	switch b.kind {
	case "ignore-cancel":
		ctx = context.WithoutCancel(ctx)
	case "late-log":
		var buf bytes.Buffer
		w := job.Log
		job.Log = &buf
		defer func() { w.Write(buf.Bytes()) }()
	case "swallow-collect":
		c := job.Collect
		job.Collect = func(ctx context.Context, f string, r io.Reader, n int64) error { c(ctx, f, r, n); return nil }
	case "no-verify":
		for i, d := range job.Dependencies {
			rc, err := d.Open(ctx)
			if err != nil {
				return err
			}
			h := sha256.New()
			io.Copy(h, rc)
			rc.Close()
			job.Dependencies[i].SHA256 = hex.EncodeToString(h.Sum(nil))
		}
	}
	err := b.Builder.Build(ctx, job)
	if b.kind == "fail-ok" && errors.Is(err, builder.ErrBuildFailed) {
		return nil
	}
	return err
}

func (b *broken) Close() error {
	if b.kind == "ignore-close" {
		return nil
	}
	return b.Builder.Close()
}

// TestBrokenConformance runs the suite on a broken mock; it only runs as
// the child process of TestSuiteCatchesBreakage.
func TestBrokenConformance(t *testing.T) {
	kind := os.Getenv("KILN_BUILDERTEST_BREAK")
	if kind == "" {
		t.Skip("run by TestSuiteCatchesBreakage")
	}
	buildertest.Prompt, buildertest.Slow = time.Second, 2*time.Second
	h := newHarness(Config{})
	h.wrap = func(b *Builder) builder.Builder { return &broken{b, kind} }
	buildertest.Run(t, h)
}

// TestSuiteCatchesBreakage checks that each violation fails exactly the
// subtest about it.
func TestSuiteCatchesBreakage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suite 6 times in child processes")
	}
	for kind, subtest := range map[string]string{
		"ignore-cancel":   "Cancel",
		"late-log":        "LogWhileRunning",
		"swallow-collect": "CollectError",
		"fail-ok":         "BuildFailure",
		"no-verify":       "DependencyMismatch",
		"ignore-close":    "Close",
	} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenConformance$", "-test.v")
			cmd.Env = append(os.Environ(), "KILN_BUILDERTEST_BREAK="+kind)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a builder that breaks %s:\n%s", kind, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenConformance/"+subtest+" ") {
				t.Errorf("subtest %s did not fail:\n%s", subtest, out)
			}
		})
	}
}
