package ssh

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/buildertest"
)

// TestConformance runs the builder conformance suite on the SSH builder
// against the real sshd and the fake haikuporter.
func TestConformance(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("conformance suite over SSH")
	}
	buildertest.Run(t, &harness{r: newRig(t, rigOptions{})})
}

// harness adapts the rig to buildertest: every builder it makes is a new
// Builder for the same fake Haiku machine.
type harness struct{ r *rig }

func (h *harness) New(t *testing.T, notify builder.Notifier) builder.Builder {
	// A fresh builder is a fresh machine: empty its package cache.
	os.RemoveAll(filepath.Join(h.r.dir, "haikuports/packages"))
	return h.r.builder(Options{Notify: notify})
}

func (h *harness) Tree(t *testing.T) builder.Tree { return h.r.tree() }

func (h *harness) Arrange(t *testing.T, s buildertest.Scenario) {
	id := s.Port.ID()
	mode := map[buildertest.Behaviour]string{buildertest.Succeed: "ok", buildertest.Fail: "fail", buildertest.Hang: "hang"}[s.Behaviour]
	h.r.write("modes/"+id, mode)
	h.r.write("markers/"+id, s.Marker+"\n")
	os.RemoveAll(filepath.Join(h.r.dir, "outputs", id))
	for _, info := range s.Produce {
		var b bytes.Buffer
		if err := buildertest.WritePackage(&b, info); err != nil {
			t.Fatal(err)
		}
		h.r.write(filepath.Join("outputs", id, info.CanonicalFileName()), b.String())
	}
}

func (h *harness) Staged(t *testing.T, b builder.Builder, port builder.Port) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(h.r.read("staged/"+port.ID())), "\n") {
		if f := strings.Fields(l); len(f) == 2 {
			out[f[0]] = f[1]
		}
	}
	return out
}

func (h *harness) Running(t *testing.T, b builder.Builder, port builder.Port) bool {
	data, err := os.ReadFile(filepath.Join(h.r.dir, "running", port.ID()))
	if err != nil {
		return false
	}
	for _, f := range strings.Fields(string(data)) {
		if pid, err := strconv.Atoi(f); err == nil && processAlive(pid) {
			return true
		}
	}
	return false
}
