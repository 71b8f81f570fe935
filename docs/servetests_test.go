package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestServeTestsTable: every row of serve.md's "What the tests show"
// names its packages (`internal/…`, `cmd/…`) before their tests, and
// each test named exists there as a function of a _test.go file, so the
// table cannot name a test that was renamed or removed.
func TestServeTestsTable(t *testing.T) {
	b, err := os.ReadFile("serve.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "### What the tests show\n")
	if !ok {
		t.Fatal(`serve.md has no "### What the tests show"`)
	}
	section, _, _ = strings.Cut(section, "\n\n**")
	token := regexp.MustCompile("`((?:internal|cmd)/[a-z/]+|Test[A-Za-z0-9_]+)`")
	rows, tests := 0, 0
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| must") {
			continue
		}
		rows++
		pkg := ""
		for _, m := range token.FindAllStringSubmatch(line, -1) {
			if !strings.HasPrefix(m[1], "Test") {
				pkg = m[1]
				continue
			}
			tests++
			if pkg == "" {
				t.Errorf("%s is named before any package: %q", m[1], line)
				continue
			}
			if !definesTest(t, filepath.Join("..", pkg), m[1]) {
				t.Errorf("%s: no func %s in its _test.go files", pkg, m[1])
			}
		}
	}
	if rows < 7 || tests < 20 {
		t.Errorf("the table has %d rows naming %d tests: is it there?", rows, tests)
	}
}

func definesTest(t *testing.T, dir, name string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil || len(files) == 0 {
		t.Errorf("%s: no test files", dir)
		return false
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "\nfunc "+name+"(t *testing.T)") {
			return true
		}
	}
	return false
}
