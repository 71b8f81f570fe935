package ui

import (
	"strings"
	"testing"
)

// ansiCases are shared with the browser test of log.js's renderer
// (TestBrowserLogANSI), which must render each the same way.
var ansiCases = []struct{ in, want string }{
	{"plain text", "plain text"},
	{"\x1b[31mred\x1b[0m plain", `<span class="fg-1">red</span> plain`},
	{"\x1b[1;32mbold green\x1b[m", `<span class="fg-2 b">bold green</span>`},
	{"\x1b[91mbright\x1b[39m default", `<span class="fg-9">bright</span> default`},
	{"\x1b[44;37mon blue\x1b[49m fg only\x1b[0m", `<span class="fg-7 bg-4">on blue</span><span class="fg-7"> fg only</span>`},
	{"\x1b[38;5;3m256\x1b[38;5;200m high \x1b[38;2;1;2;3mrgb\x1b[0m", `<span class="fg-3">256 high rgb</span>`},
	{"<script>alert(1)</script> & \"q\"", "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;q&#34;"},
	{"\x1b[31m<b>\x1b[0m", `<span class="fg-1">&lt;b&gt;</span>`},
	{"cursor\x1b[2K\x1b[1Gmoves\x1b[?25l", "cursormoves"},
	{"title\x1b]0;evil<title>\x07 after", "title after"},
	{"osc\x1b]8;;http://x\x1b\\link", "osclink"},
	{"bell\x07 back\x08space\r\n", "bell backspace\n"},
	{"tab\there", "tab\there"},
	{"cut \x1b[31", "cut "},
	{"lone \x1b", "lone "},
	{"\x1b(Bcharset", "charset"},
	{"\x1b[31;\"><img src=x>m", "mg src=x&gt;m"}, // a CSI ends at its final byte, 'i'
	{"\x1b[1m\x1b[22mnormal\x1b[4;3mui\x1b[24;23mx\x1b[2mf", `normal<span class="i u">ui</span>x<span class="f">f</span>`},
	{"utf-8 ✔ ü", "utf-8 ✔ ü"},
}

func TestANSIHTML(t *testing.T) {
	for _, c := range ansiCases {
		got, _ := ansiHTML(c.in, sgr{})
		if got != c.want {
			t.Errorf("ansiHTML(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestANSIHTMLCarriesStyle: a style set on one line continues on the
// next piece (the log viewer renders line by line).
func TestANSIHTMLCarriesStyle(t *testing.T) {
	a, st := ansiHTML("\x1b[33mwarning: ", sgr{})
	b, st := ansiHTML("still yellow\x1b[0m", st)
	if a != `<span class="fg-3">warning: </span>` || b != `<span class="fg-3">still yellow</span>` || st != (sgr{}) {
		t.Errorf("%q %q %+v", a, b, st)
	}
}

func FuzzANSIHTML(f *testing.F) {
	for _, c := range ansiCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, _ := ansiHTML(s, sgr{})
		// No markup but the spans the renderer writes.
		rest := strings.NewReplacer("</span>", "").Replace(out)
		for {
			i := strings.Index(rest, `<span class="`)
			if i < 0 {
				break
			}
			j := strings.Index(rest[i:], `">`)
			if j < 0 {
				t.Fatalf("unclosed span tag in %q", out)
			}
			cls := rest[i+len(`<span class="`) : i+j]
			if strings.Trim(cls, "fgb-0123456789 iu") != "" {
				t.Fatalf("class %q in %q", cls, out)
			}
			rest = rest[:i] + rest[i+j+2:]
		}
		if strings.ContainsAny(rest, "<>\x1b") {
			t.Fatalf("markup or escape left in %q (from %q)", out, s)
		}
		if strings.Count(out, "<span") != strings.Count(out, "</span>") {
			t.Fatalf("unbalanced spans in %q", out)
		}
	})
}
