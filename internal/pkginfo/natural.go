package pkginfo

// NaturalCompare orders two strings as Haiku's NaturalCompare does: chunk by
// chunk, where a number chunk starts with a digit or white space (leading
// white space and zeros, and trailing white space, are skipped; more digits
// wins, then byte order) and an ASCII chunk runs to the next digit or space
// (compared case-insensitively). When chunk types differ the remaining
// strings are compared case-insensitively. Like Haiku, which copies chunks
// into B_FILE_NAME_LENGTH buffers, only the first 255 bytes of a chunk take
// part in the byte comparisons (the digit counts use the full length).
// It returns -1, 0 or +1.
func NaturalCompare(a, b string) int {
	i, j := 0, 0
	for {
		if i >= len(a) {
			if j >= len(b) {
				return 0
			}
			return -1
		}
		if j >= len(b) {
			return 1
		}
		na, nb := isNumberStart(a[i]), isNumberStart(b[j])
		if na != nb {
			return caseCompare(a[i:], b[j:])
		}
		var ca, cb string
		if na {
			ca, i = numberChunk(a, i)
			cb, j = numberChunk(b, j)
			if len(ca) != len(cb) {
				if len(ca) < len(cb) {
					return -1
				}
				return 1
			}
			ca, cb = truncateChunk(ca), truncateChunk(cb)
			if ca != cb {
				if ca < cb {
					return -1
				}
				return 1
			}
			continue
		}
		ca, i = asciiChunk(a, i)
		cb, j = asciiChunk(b, j)
		if c := caseCompare(truncateChunk(ca), truncateChunk(cb)); c != 0 {
			return c
		}
	}
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func isNumberStart(c byte) bool { return (c >= '0' && c <= '9') || isSpace(c) }

func numberChunk(s string, i int) (string, int) {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	for i < len(s) && s[i] == '0' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	end := i
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return s[start:end], i
}

// maxChunk is the longest chunk prefix Haiku compares (B_FILE_NAME_LENGTH-1).
const maxChunk = 255

func truncateChunk(s string) string {
	if len(s) > maxChunk {
		return s[:maxChunk]
	}
	return s
}

func asciiChunk(s string, i int) (string, int) {
	start := i
	for i < len(s) && !isNumberStart(s[i]) {
		i++
	}
	return s[start:i], i
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// caseCompare is strcasecmp, returning -1, 0 or +1.
func caseCompare(a, b string) int {
	for k := 0; k < len(a) && k < len(b); k++ {
		ca, cb := lower(a[k]), lower(b[k])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}
