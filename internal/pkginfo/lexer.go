package pkginfo

import (
	"strings"
)

// tokenKind is the kind of a .PackageInfo token (BPackageInfo::Parser's
// token types).
type tokenKind uint8

const (
	tokEOF       tokenKind = iota
	tokSeparator           // a newline or ';' (runs of them collapse into one)
	tokOpenBrace
	tokCloseBrace
	tokAssign   // "="
	tokOperator // "<", "<=", "==", "!=", ">=", ">"; see token.op
	tokString   // a word or a quoted string (or a mix of both)
)

func (k tokenKind) String() string {
	switch k {
	case tokEOF:
		return "end of input"
	case tokSeparator:
		return "end of item"
	case tokOpenBrace:
		return "'{'"
	case tokCloseBrace:
		return "'}'"
	case tokAssign:
		return "'='"
	case tokOperator:
		return "operator"
	}
	return "string"
}

// token is one lexical token. pos is the byte offset where it starts.
type token struct {
	kind tokenKind
	op   Operator
	text string
	pos  int
}

// lexer splits .PackageInfo text into tokens the way
// BPackageInfo::Parser::_NextToken does (FORMATS.md §3.1):
//   - white space, '#' comments and backslash-newline are skipped; a newline
//     or ';' among them yields one separator token;
//   - '{' '}' '=' and the operators are tokens of their own;
//   - everything else is a string token: unquoted characters up to white
//     space or one of "{}<=!>", where a backslash takes the next character
//     literally, and quoted segments ('…' or "…") in which a backslash
//     escapes the next character and "\n", "\t" mean newline and tab.
//     Segments join: ab"c d"e is the single string "abc de".
//
// Unlike Haiku it rejects an unterminated quote and NUL bytes.
type lexer struct {
	src  string
	pos  int
	file string
}

func isSpaceByte(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// next returns the next token.
func (l *lexer) next() (token, error) {
	sep := -1
	inComment := false
skip:
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if inComment {
			if c == '\n' {
				inComment = false
				sep = l.pos
			}
			l.pos++
			continue
		}
		switch {
		case c == '#':
			inComment = true
		case c == '\\':
			if l.pos+1 >= len(l.src) || l.src[l.pos+1] != '\n' {
				break skip
			}
			l.pos++ // an escaped line break is plain white space
		case c == '\n', c == ';':
			sep = l.pos
		case isSpaceByte(c):
		default:
			break skip
		}
		l.pos++
	}
	if sep >= 0 {
		return token{kind: tokSeparator, pos: sep}, nil
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tokEOF, pos: start}, nil
	}
	two := func(kind tokenKind, op Operator) token {
		l.pos += 2
		return token{kind: kind, op: op, pos: start}
	}
	one := func(kind tokenKind, op Operator) token {
		l.pos++
		return token{kind: kind, op: op, pos: start}
	}
	next := byte(0)
	if l.pos+1 < len(l.src) {
		next = l.src[l.pos+1]
	}
	switch l.src[l.pos] {
	case '{':
		return one(tokOpenBrace, 0), nil
	case '}':
		return one(tokCloseBrace, 0), nil
	case '<':
		if next == '=' {
			return two(tokOperator, OpLessEqual), nil
		}
		return one(tokOperator, OpLess), nil
	case '>':
		if next == '=' {
			return two(tokOperator, OpGreaterEqual), nil
		}
		return one(tokOperator, OpGreater), nil
	case '=':
		if next == '=' {
			return two(tokOperator, OpEqual), nil
		}
		return one(tokAssign, 0), nil
	case '!':
		if next == '=' {
			return two(tokOperator, OpNotEqual), nil
		}
		return token{}, l.errorf(start, nil, "unknown token '!'")
	case 0:
		return token{}, l.errorf(start, nil, "NUL byte in input")
	}
	return l.word(start)
}

// word reads a string token starting at start.
func (l *lexer) word(start int) (token, error) {
	var b strings.Builder
	var quote byte
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == 0 {
			return token{}, l.errorf(l.pos, nil, "NUL byte in input")
		}
		if quote != 0 {
			switch c {
			case quote:
				quote = 0
				l.pos++
				continue
			case '\\':
				l.pos++
				if l.pos >= len(l.src) {
					return token{}, l.errorf(start, nil, "unterminated quoted string")
				}
				c = l.src[l.pos]
				switch c {
				case 'n':
					c = '\n'
				case 't':
					c = '\t'
				case 0:
					return token{}, l.errorf(l.pos, nil, "NUL byte in input")
				}
			}
			b.WriteByte(c)
			l.pos++
			continue
		}
		switch c {
		case '"', '\'':
			quote = c
			l.pos++
			continue
		case '{', '}', '<', '=', '!', '>':
			return token{kind: tokString, text: b.String(), pos: start}, nil
		case '\\':
			l.pos++
			if l.pos >= len(l.src) {
				return token{}, l.errorf(start, nil, "'\\' at end of input")
			}
			c = l.src[l.pos]
			if c == 0 {
				return token{}, l.errorf(l.pos, nil, "NUL byte in input")
			}
		default:
			if isSpaceByte(c) {
				return token{kind: tokString, text: b.String(), pos: start}, nil
			}
		}
		b.WriteByte(c)
		l.pos++
	}
	if quote != 0 {
		return token{}, l.errorf(start, nil, "unterminated quoted string")
	}
	return token{kind: tokString, text: b.String(), pos: start}, nil
}

// peek returns the next token without consuming it.
func (l *lexer) peek() (token, error) {
	save := l.pos
	t, err := l.next()
	l.pos = save
	return t, err
}

// errorf returns a *ParseError at byte offset pos of the input.
func (l *lexer) errorf(pos int, cause error, msg string) error {
	line, col := position(l.src, pos)
	return &ParseError{File: l.file, Line: line, Col: col, Msg: msg, Err: cause}
}

// position converts a byte offset into a 1-based line and byte column.
func position(src string, pos int) (line, col int) {
	if pos > len(src) {
		pos = len(src)
	}
	before := src[:pos]
	line = 1 + strings.Count(before, "\n")
	col = pos - strings.LastIndexByte(before, '\n')
	return line, col
}
