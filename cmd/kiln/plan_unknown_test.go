package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPlanUnknownPort: a requested port that does not exist fails the
// plan (it was listed as unknown with exit 0), unless --ignore-missing.
func TestPlanUnknownPort(t *testing.T) {
	hp, sys := planFixture(t)
	flags := []string{"--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}
	stdout, stderr, code := runMain(t, append([]string{"plan", "app", "nosuch", "chek"}, flags...)...)
	if code != 1 || stdout != "" ||
		!strings.Contains(stderr, `kiln: plan: unknown ports "nosuch": no port or package named nosuch; "chek": no port or package named chek (did you mean the subcommand "check"?)`) {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	stdout, stderr, code = runMain(t, append([]string{"plan", "nosuch", "--ignore-missing", "--json"}, flags...)...)
	var p struct {
		Unknown []struct{ Spec string }
	}
	if err := json.Unmarshal([]byte(stdout), &p); err != nil || code != 0 || len(p.Unknown) != 1 || p.Unknown[0].Spec != "nosuch" {
		t.Errorf("--ignore-missing: exit %d, %v, stdout:\n%s\nstderr:\n%s", code, err, stdout, stderr)
	}
	if _, stderr, code := runMain(t, append([]string{"plan", "app"}, flags...)...); code != 0 {
		t.Errorf("plan app: exit %d:\n%s", code, stderr)
	}
}
