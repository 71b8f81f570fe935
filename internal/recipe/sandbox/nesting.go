package sandbox

import "fmt"

// Nesting. Everything that reads a script recursively — mvdan's parser,
// syntax.Walk (the rewriter, the guards), its printer and its interpreter —
// needs stack for every level of nesting (about 2.5 KB a level in the
// parser, 1.3 KB in Walk), and running out of stack is fatal to the whole
// process, not a panic: 400,000 levels of `{ `, `${a:-`, `((`, `$(` or
// `1?` fit in a 4 MiB recipe. So before anything recursive sees a text (the
// recipe, an eval'd string, a sourced file, an unset subscript),
// checkNesting counts, in one loop over its bytes, every token that can open
// a level:
//
//   - structural tokens: ( { [ ` |, each && and the words if elif while
//     until for select case time coproc: at most maxNesting;
//   - operator characters ! % & * + , - / : < = > ? ^ | ~, which nest
//     arithmetic and [[ ]] expressions: at most maxOperators.
//
// It counts them wherever they stand, in quotes and comments too, and never
// subtracts a closing token: the count is an upper bound of any depth that
// no quoting can hide (a closing token inside a string would fool a depth
// counter that is not a complete shell lexer). Real recipes are far below
// both: the corpus's largest counts are 126 brackets, 56 keywords and 92
// pipe/and-or operators in one recipe, and 14,697 operator characters (a
// 250 KB recipe listing crates, most of them in strings). At the limits,
// the deepest hostile nesting evaluates in about 30 MB (structural) and
// 160 MB (operators).

const (
	maxNesting   = 2_000
	maxOperators = 65_536
)

// nestClass classifies bytes for checkNesting.
var nestClass = func() (t [256]uint8) {
	for _, c := range []byte("({[`|") {
		t[c] |= nestStructural
	}
	for _, c := range []byte("!%&*+,-/:<=>?^|~") {
		t[c] |= nestOperator
	}
	for _, k := range nestKeywords {
		t[k[0]] |= nestLetter
	}
	for c := 0; c < 256; c++ {
		if isWordByte(byte(c)) {
			t[c] |= nestWord
		}
	}
	return t
}()

const (
	nestStructural = 1 << iota
	nestOperator
	nestLetter // the first letter of a keyword
	nestWord   // a byte of a word (keywords start after none)
)

// nestKeywords are the reserved words that open a nesting level.
var nestKeywords = []string{"if", "elif", "while", "until", "for", "select", "case", "time", "coproc"}

// checkNesting returns an ErrLimit error when src has more nesting tokens
// than the bounds allow. what describes the text in the message.
func checkNesting[T ~string | ~[]byte](src T, what string) error {
	structural, operators := 0, 0
	for i := 0; i < len(src); i++ {
		c := nestClass[src[i]]
		if c&^nestWord == 0 {
			continue
		}
		if c&nestStructural != 0 {
			structural++
		}
		if c&nestOperator != 0 {
			operators++
			if src[i] == '&' && i+1 < len(src) && src[i+1] == '&' {
				structural++
			}
		}
		if c&nestLetter != 0 && (i == 0 || nestClass[src[i-1]]&nestWord == 0) {
			if isKeywordAt(src, i) {
				structural++
			}
		}
	}
	switch {
	case structural > maxNesting:
		return fmt.Errorf("%w: %s has %d brackets, pipes and compound commands (nesting bound %d)", ErrLimit, what, structural, maxNesting)
	case operators > maxOperators:
		return fmt.Errorf("%w: %s has %d operator characters (nesting bound %d)", ErrLimit, what, operators, maxOperators)
	}
	return nil
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// keywordsByLetter lists nestKeywords by their first letter.
var keywordsByLetter = func() (t [256][]string) {
	for _, k := range nestKeywords {
		t[k[0]] = append(t[k[0]], k)
	}
	return t
}()

// isKeywordAt reports whether one of nestKeywords starts at src[i] as a
// whole word.
func isKeywordAt[T ~string | ~[]byte](src T, i int) bool {
	for _, k := range keywordsByLetter[src[i]] {
		end := i + len(k)
		if end <= len(src) && string(src[i:end]) == k && (end == len(src) || !isWordByte(src[end])) {
			return true
		}
	}
	return false
}
