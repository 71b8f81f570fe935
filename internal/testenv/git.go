package testenv

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Git runs git with args in dir (git -C dir), as a fixed author and
// committer and without the user's or the system's configuration, and
// returns its output (standard output and error together) with surrounding
// white space trimmed. It fails the test when git fails; tests that call it
// should first skip when git is not installed (exec.LookPath).
func Git(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=kiln", "GIT_AUTHOR_EMAIL=kiln@example.org",
		"GIT_COMMITTER_NAME=kiln", "GIT_COMMITTER_EMAIL=kiln@example.org",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}
