package pkginfo

import (
	"fmt"
	"strings"
)

// setting is one parameter of a driver-settings text: a name, the values
// on its line and an optional { … } block of sub-parameters.
type setting struct {
	name     string
	values   []string
	children []setting
	pos      int // byte offset of the name
}

// maxSettingsLevel is how deeply driver-settings blocks may nest
// (MAX_SETTINGS_LEVEL in driver_settings.cpp).
const maxSettingsLevel = 8

// settingsParser reads Haiku's driver-settings syntax, following
// parse_driver_settings_string (src/system/libroot/os/driver_settings.cpp):
//   - a parameter is a name followed by values on the same line; a new line
//     or ';' ends it; '=' may separate the name from the first value;
//   - words are separated by white space; a backslash takes the next
//     character literally; a word starting with ' or " runs to the matching
//     quote (new lines included);
//   - '#' starts a comment where a parameter name may start, and ends a
//     parameter's values;
//   - "{ … }" after a parameter (on its line or the next) holds
//     sub-parameters, nested at most 8 deep.
//
// Unlike Haiku, it rejects NUL bytes instead of stopping at the first one.
type settingsParser struct {
	lexer // for src, pos, file and errorf
}

type assignMode uint8

const (
	noAssignment     assignMode = iota // '=' ends the word (names)
	allowAssignment                    // leading '=' is skipped, '=' ends the word (first value)
	ignoreAssignment                   // '=' is an ordinary character (other values)
)

type wordStatus uint8

const (
	wordLast     wordStatus = iota // the parameter ends after this word
	wordContinue                   // another value follows on the line
	wordNone                       // no word: at '}' or the end of input
)

func isParamSep(c byte) bool { return c == '\n' || c == ';' }

func (p *settingsParser) at() byte {
	if p.pos < len(p.src) {
		return p.src[p.pos]
	}
	return 0
}

// word reads one word as get_word does.
func (p *settingsParser) word(mode assignMode, allowNewLine bool) (string, wordStatus, error) {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if !(allowNewLine && (isSpaceByte(c) || isParamSep(c) || c == '#') ||
			!allowNewLine && (c == ' ' || c == '\t') ||
			mode == allowAssignment && c == '=') {
			break
		}
		if c == '#' {
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		}
		p.pos++
	}
	if p.pos >= len(p.src) || p.at() == '}' {
		return "", wordNone, nil
	}
	start := p.pos
	var quote byte
	if c := p.at(); c == '"' || c == '\'' {
		quote = c
		p.pos++
	}
	var b strings.Builder
	escaped := false
	for ; p.pos < len(p.src); p.pos++ {
		c := p.src[p.pos]
		if c == 0 {
			return "", 0, p.errorf(p.pos, nil, "NUL byte in input")
		}
		if escaped {
			escaped = false
			b.WriteByte(c)
			continue
		}
		if c == '\\' {
			escaped = true
			continue
		}
		if quote == 0 && (isSpaceByte(c) || isParamSep(c) || mode != ignoreAssignment && c == '=') ||
			quote != 0 && c == quote {
			break
		}
		b.WriteByte(c)
	}
	if escaped {
		return "", 0, p.errorf(p.pos-1, nil, "'\\' at end of input")
	}
	if quote != 0 && p.pos >= len(p.src) {
		return "", 0, p.errorf(start, nil, "unterminated quoted string")
	}
	if p.pos >= len(p.src) {
		return b.String(), wordLast, nil
	}
	newLine := isParamSep(p.src[p.pos])
	p.pos++ // the character that ended the word
	for ; p.pos < len(p.src); p.pos++ {
		switch c := p.src[p.pos]; {
		case isParamSep(c):
			if newLine {
				return b.String(), wordLast, nil
			}
			newLine = true
		case c == '{' || c == '}' || c == '#':
			return b.String(), wordLast, nil
		case !isSpaceByte(c):
			if newLine {
				return b.String(), wordLast, nil
			}
			return b.String(), wordContinue, nil
		}
	}
	return b.String(), wordLast, nil
}

// parameter reads a name and its values (parse_parameter).
func (p *settingsParser) parameter() (setting, wordStatus, error) {
	s := setting{}
	var st wordStatus
	var err error
	// The name's position: after the white space and comments word skips.
	save := p.pos
	s.name, st, err = p.word(noAssignment, true)
	if err != nil || st == wordNone {
		return s, st, err
	}
	s.pos = p.nameStart(save)
	for st == wordContinue {
		mode := ignoreAssignment
		if len(s.values) == 0 {
			mode = allowAssignment
		}
		var v string
		if v, st, err = p.word(mode, false); err != nil {
			return s, st, err
		}
		if st == wordNone {
			return s, wordNone, nil // as Haiku, the parameter is dropped
		}
		s.values = append(s.values, v)
	}
	return s, wordLast, nil
}

// nameStart finds where the word read from offset from began.
func (p *settingsParser) nameStart(from int) int {
	for i := from; i < len(p.src); i++ {
		c := p.src[i]
		switch {
		case c == '#':
			for i < len(p.src) && p.src[i] != '\n' {
				i++
			}
		case !isSpaceByte(c) && !isParamSep(c):
			return i
		}
	}
	return from
}

// parameters reads parameters up to the end of a block (parse_parameters).
func (p *settingsParser) parameters(level int, open int) ([]setting, error) {
	if level > maxSettingsLevel {
		return nil, p.errorf(open, nil, fmt.Sprintf("blocks nested more than %d deep", maxSettingsLevel))
	}
	var out []setting
	for {
		s, st, err := p.parameter()
		if err != nil {
			return nil, err
		}
		if st != wordNone {
			if p.at() == '{' && p.pos < len(p.src) {
				p.pos++
				if s.children, err = p.parameters(level+1, p.pos-1); err != nil {
					return nil, err
				}
			}
			out = append(out, s)
		}
		end := p.pos >= len(p.src)
		switch {
		case !end && p.at() == '}' && level > 0, end && level == 0:
			p.pos++
			return out, nil
		case !end && p.at() == '}':
			return nil, p.errorf(p.pos, nil, "'}' without '{'")
		case end:
			return nil, p.errorf(open, nil, "'{' without '}'")
		}
	}
}

// parseSettings parses a whole driver-settings text.
func parseSettings(src, file string) ([]setting, error) {
	p := &settingsParser{lexer{src: src, file: file}}
	return p.parameters(0, 0)
}
