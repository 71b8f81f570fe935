package docs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestOutputMatches(t *testing.T) {
	got := "RUN   STATE\nr1    complete  6 builds\nkiln: token kiln_abc\n"
	for _, c := range []struct {
		want string
		ok   bool
		miss string
	}{
		{"RUN … STATE", true, ""},
		{"r1 … complete … builds", true, ""},
		{"RUN … STATE\nkiln: token kiln_…", true, ""},
		{"kiln: token kiln_…\nRUN … STATE", false, "RUN … STATE"}, // order counts
		{"r1    complete", false, "r1    complete"},               // a whole line, not a prefix
		{"… failed …", false, "… failed …"},
		{"…", true, ""},
		{"RUN … STATE\n…\nr1 … complete … builds", true, ""}, // a "…" line is a gap, not a line
		{"…\nRUN   STATE", true, ""},
		{"\n\nRUN   STATE   \n", true, ""}, // blank lines and trailing spaces ignored
	} {
		ok, miss := outputMatches(c.want, got)
		if ok != c.ok || miss != c.miss {
			t.Errorf("outputMatches(%q) = %v, %q; want %v, %q", c.want, ok, miss, c.ok, c.miss)
		}
	}
}

func TestReadBlocks(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		page string
		want string // lang/flags/line of each block, or the error's text
	}{
		{"text\n```sh\nkiln a\n```\n\n```output\nx\n```\n```sh no-test\nkubectl\n```\n", "sh[]2 output[]6 sh[no-test]9"},
		{"```\nplain\n```\n", "[]1"},
		{"```sh no_test\nx\n```\n", `unknown block flag "no_test"`},
		{"```sh\nx\n", "fence never closed"},
		{"```sh\nx\n```sh\n", "a closing fence carries text"},
	} {
		p := filepath.Join(dir, "p.md")
		if err := os.WriteFile(p, []byte(c.page), 0o644); err != nil {
			t.Fatal(err)
		}
		bs, err := readBlocks(p, "p.md")
		var got []string
		for _, b := range bs {
			got = append(got, b.lang+"["+strings.Join(b.flags, ",")+"]"+strconv.Itoa(b.line))
		}
		s := strings.Join(got, " ")
		if err != nil {
			s = err.Error()
		}
		if !strings.Contains(s, c.want) {
			t.Errorf("readBlocks(%q) = %q; want %q", c.page, s, c.want)
		}
	}
}
