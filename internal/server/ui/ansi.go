package ui

import (
	"html"
	"strconv"
	"strings"
)

// Build logs carry ANSI escape sequences (haikuporter and compilers
// colour their output). ansiHTML renders SGR colours and styles as spans
// with classes (fg-0…fg-15, bg-0…bg-7, b, f, i, u; see kiln.css), strips
// every other escape sequence and control character but tab and
// newline, and HTML-escapes the text. static/log.js does the same in the
// browser for lines that arrive live; the two are tested on the same
// inputs.

// sgr is the current style; the zero value is the terminal's default.
type sgr struct {
	fg, bg                       int // 0: default, else colour+1
	bold, faint, italic, underln bool
}

func (s sgr) classes() string {
	var c []string
	if s.fg > 0 {
		c = append(c, "fg-"+strconv.Itoa(s.fg-1))
	}
	if s.bg > 0 {
		c = append(c, "bg-"+strconv.Itoa(s.bg-1))
	}
	if s.bold {
		c = append(c, "b")
	}
	if s.faint {
		c = append(c, "f")
	}
	if s.italic {
		c = append(c, "i")
	}
	if s.underln {
		c = append(c, "u")
	}
	return strings.Join(c, " ")
}

// apply changes s by the parameters of one SGR sequence ("1;31").
func (s *sgr) apply(params string) {
	if params == "" {
		*s = sgr{}
		return
	}
	ps := strings.Split(params, ";")
	for i := 0; i < len(ps); i++ {
		n, err := strconv.Atoi(ps[i])
		if err != nil {
			n = 0 // an empty parameter is 0
		}
		switch {
		case n == 0:
			*s = sgr{}
		case n == 1:
			s.bold = true
		case n == 2:
			s.faint = true
		case n == 3:
			s.italic = true
		case n == 4:
			s.underln = true
		case n == 22:
			s.bold, s.faint = false, false
		case n == 23:
			s.italic = false
		case n == 24:
			s.underln = false
		case n >= 30 && n <= 37:
			s.fg = n - 30 + 1
		case n == 39:
			s.fg = 0
		case n >= 40 && n <= 47:
			s.bg = n - 40 + 1
		case n == 49:
			s.bg = 0
		case n >= 90 && n <= 97:
			s.fg = n - 90 + 8 + 1
		case n >= 100 && n <= 107:
			s.bg = n - 100 + 1
		case n == 38 || n == 48:
			// 38;5;N (256 colours: the first 16 are kept) or 38;2;R;G;B
			// (dropped: the palette is the stylesheet's).
			if i+1 < len(ps) && ps[i+1] == "5" && i+2 < len(ps) {
				if c, err := strconv.Atoi(ps[i+2]); err == nil && c >= 0 && c < 16 {
					if n == 38 {
						s.fg = c + 1
					} else {
						s.bg = c%8 + 1
					}
				}
				i += 2
			} else if i+1 < len(ps) && ps[i+1] == "2" {
				i += 4
			}
		}
	}
}

// ansiHTML renders text, starting in style st, and returns the HTML and
// the style at its end (to continue with the next piece).
func ansiHTML(text string, st sgr) (string, sgr) {
	var b strings.Builder
	b.Grow(len(text) + len(text)/8)
	open := false // a span of cur is open
	cur := st
	plain := 0 // start of the pending plain text
	flush := func(i int) {
		if i <= plain {
			return
		}
		if !open {
			if c := cur.classes(); c != "" {
				b.WriteString(`<span class="` + c + `">`)
				open = true
			}
		}
		b.WriteString(html.EscapeString(text[plain:i]))
	}
	for i := 0; i < len(text); {
		c := text[i]
		if c >= 0x20 && c != 0x7f || c == '\n' || c == '\t' {
			i++
			continue
		}
		flush(i)
		if c != 0x1b {
			i++ // another control character: dropped
			plain = i
			continue
		}
		end, params, isSGR := escapeEnd(text, i)
		if isSGR {
			next := cur
			next.apply(params)
			if next != cur {
				if open {
					b.WriteString("</span>")
					open = false
				}
				cur = next
			}
		}
		i, plain = end, end
	}
	flush(len(text))
	if open {
		b.WriteString("</span>")
	}
	return b.String(), cur
}

// escapeEnd finds the end of the escape sequence at text[i] (an ESC):
// a CSI (ESC [ params final), an OSC or other string (ESC ] … BEL or
// ESC \), or another escape (ESC, intermediates, a final byte). isSGR reports a CSI ending in 'm' with
// only digits and ';' as parameters. An unterminated sequence runs to
// the end of text.
func escapeEnd(text string, i int) (end int, params string, isSGR bool) {
	if i+1 >= len(text) {
		return len(text), "", false
	}
	switch text[i+1] {
	case '[':
		j := i + 2
		for j < len(text) && (text[j] < 0x40 || text[j] > 0x7e) {
			j++
		}
		if j == len(text) {
			return j, "", false
		}
		p := text[i+2 : j]
		return j + 1, p, text[j] == 'm' && strings.Trim(p, "0123456789;") == "" && len(p) <= 64
	case ']', 'P', '_', '^', 'X':
		for j := i + 2; j < len(text); j++ {
			if text[j] == 0x07 {
				return j + 1, "", false
			}
			if text[j] == 0x1b && j+1 < len(text) && text[j+1] == '\\' {
				return j + 2, "", false
			}
		}
		return len(text), "", false
	default:
		// ESC, intermediate bytes (0x20-0x2f), a final byte: ESC ( B.
		j := i + 1
		for j < len(text) && text[j] >= 0x20 && text[j] <= 0x2f {
			j++
		}
		return min(j+1, len(text)), "", false
	}
}
