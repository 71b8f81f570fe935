// Package docs holds kiln's documentation pages and the tests that keep
// them true: the shell blocks of the pages that show commands are run
// for real against the built-in demo (pages_test.go), and the package
// map of architecture.md is compared with the packages that exist
// (architecture_test.go).
package docs

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// block is one fenced code block of a Markdown page.
type block struct {
	page  string   // file name, e.g. quick-start.md
	line  int      // line of the opening fence, from 1
	lang  string   // the info string's first word: sh, output, toml, … ("" untagged)
	flags []string // the info string's other words: no-test, checkout
	text  string   // the lines between the fences, each ending in \n
}

func (b block) String() string { return fmt.Sprintf("%s:%d", b.page, b.line) }

// has reports whether the block's info string carries flag.
func (b block) has(flag string) bool {
	for _, f := range b.flags {
		if f == flag {
			return true
		}
	}
	return false
}

// runnable reports whether the block is a shell block the tests run.
func (b block) runnable() bool { return b.lang == "sh" && !b.has("no-test") }

// The flags a block's info string may carry. A flag the tests do not
// know is an error, so a typo (no_test) cannot make a block escape.
var knownFlags = map[string]bool{
	"no-test":  true, // shown, never run: the page says why (kubectl, a real bucket, …)
	"checkout": true, // run in kiln's checkout instead of the page's work directory
}

// readBlocks returns the fenced blocks of a page, in order. Fences are
// lines starting with ``` at column 0; an unclosed fence is an error.
func readBlocks(path, name string) ([]block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		bs   []block
		cur  *block
		text strings.Builder
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if !strings.HasPrefix(line, "```") {
			if cur != nil {
				text.WriteString(line + "\n")
			}
			continue
		}
		if cur != nil {
			if strings.TrimSpace(line) != "```" {
				return nil, fmt.Errorf("%s:%d: a closing fence carries text: %q", name, n, line)
			}
			cur.text = text.String()
			bs = append(bs, *cur)
			cur = nil
			continue
		}
		words := strings.Fields(strings.TrimPrefix(line, "```"))
		b := block{page: name, line: n}
		if len(words) > 0 {
			b.lang, b.flags = words[0], words[1:]
		}
		for _, fl := range b.flags {
			if !knownFlags[fl] {
				return nil, fmt.Errorf("%s:%d: unknown block flag %q (known: no-test, checkout)", name, n, fl)
			}
		}
		cur = &b
		text.Reset()
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s:%d: fence never closed", name, cur.line)
	}
	return bs, nil
}

// outputMatches reports whether got (a block's standard output) shows
// the lines of want (the page's ```output block) in order: each line of
// want must equal a later line of got, where … in want stands for any
// text (also none) and trailing spaces are ignored. Lines of got in
// between are allowed, so a page may show an excerpt; a line that is
// only … marks such a gap and matches nothing itself.
func outputMatches(want, got string) (bool, string) {
	gl := strings.Split(got, "\n")
	i := 0
	for _, w := range strings.Split(strings.TrimRight(want, "\n"), "\n") {
		w = strings.TrimRight(w, " ")
		if w == "" || w == "…" {
			continue // a line of its own "…" says lines are left out, as any gap may be
		}
		for ; i < len(gl); i++ {
			if globMatch(w, strings.TrimRight(gl[i], " ")) {
				break
			}
		}
		if i == len(gl) {
			return false, w
		}
		i++
	}
	return true, ""
}

// globMatch matches s against pattern, in which … matches any text.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "…")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		k := strings.Index(s, p)
		if k < 0 {
			return false
		}
		s = s[k+len(p):]
	}
	return len(s) >= len(last) && strings.HasSuffix(s, last)
}
