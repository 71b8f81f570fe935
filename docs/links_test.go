package docs

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// mdLink is a Markdown link or image target: ](target) .
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// slug is the anchor GitHub gives a heading: lower case, letters,
// digits, spaces (as -), - and _ kept, everything else dropped.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteRune('-')
		}
	}
	return b.String()
}

// anchors are the heading anchors of a Markdown file (fenced blocks
// skipped).
func anchors(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	fenced := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if !fenced && strings.HasPrefix(line, "#") {
			out[slug(strings.TrimSpace(strings.TrimLeft(line, "#")))] = true
		}
	}
	return out, sc.Err()
}

// TestLinks: every relative link of the docs pages, README.md,
// CONTRIBUTING.md and CHANGELOG.md names a file or directory of the
// checkout, and every #anchor a heading of the page it points to.
func TestLinks(t *testing.T) {
	root := checkout(t)
	pages, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("decisions/*.md")
	pages = append(pages, more...)
	for i := range pages {
		pages[i] = filepath.Join(root, "docs", pages[i])
	}
	for _, f := range []string{"README.md", "CONTRIBUTING.md", "CHANGELOG.md"} {
		pages = append(pages, filepath.Join(root, f))
	}
	links := 0
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Error(err)
			continue
		}
		rel, _ := filepath.Rel(root, page)
		// Links inside fenced blocks are code, not links.
		var text strings.Builder
		fenced := false
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "```") {
				fenced = !fenced
				continue
			}
			if !fenced {
				text.WriteString(line + "\n")
			}
		}
		for _, m := range mdLink.FindAllStringSubmatch(text.String(), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links++
			file, anchor, _ := strings.Cut(target, "#")
			dest := page
			if file != "" {
				dest = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
				if _, err := os.Stat(dest); err != nil {
					t.Errorf("%s: the link %s names no file", rel, target)
					continue
				}
			}
			if anchor == "" || !strings.HasSuffix(dest, ".md") {
				continue
			}
			as, err := anchors(dest)
			if err != nil {
				t.Error(err)
				continue
			}
			if !as[anchor] {
				t.Errorf("%s: the link %s names no heading of %s", rel, target, filepath.Base(dest))
			}
		}
	}
	if links < 50 {
		t.Fatalf("found %d relative links: the parse is wrong", links)
	}
	t.Logf("%d pages, %d relative links checked", len(pages), links)
}
