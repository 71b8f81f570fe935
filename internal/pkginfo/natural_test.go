package pkginfo

import (
	"strings"
	"testing"
)

func TestNaturalCompare(t *testing.T) {
	long := strings.Repeat("a", 255)
	digits := strings.Repeat("1", 299)
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "a", -1},
		{"", "0", -1},
		{"0", "", 1}, // a zero chunk is still a chunk
		{"0", "00", 0},
		{"1.10", "1.9", 1},
		{"beta10", "beta9", 1},
		{"010", "10", 0},
		{"a01", "a1", 0},
		{"abc", "ABC", 0},
		{"abc", "abd", -1},
		{"ab", "abc", -1},
		{"file2", "file10", -1},
		{"1a", "a1", -1},  // types differ: strcasecmp("1a", "a1")
		{"x1", "x 1", 0},  // white space starts a number chunk and is skipped
		{"1 a", "1a", 0},  // trailing white space of a number is skipped too
		{" 1", "1", 0},    // leading white space
		{"a_b", "a-b", 1}, // '_' (95) > '-' (45)
		{"A_B", "a-b", 1}, // case-insensitive
		{"9", "10", -1},   // more digits wins
		{"99", "100", -1},
		{"123", "124", -1},
		{"hrev58900", "hrev9999", 1},
		{"1.2.3", "1.2.3", 0},
		{"1.2", "1.2.0", -1},
		{long + "b", long + "c", 0},              // Haiku compares 255 bytes of a chunk
		{long[:254] + "b", long[:254] + "c", -1}, // within 255 bytes
		{digits + "1", digits + "2", 0},          // same length, differ after 255 bytes
		{digits + "1", digits + "12", -1},        // more digits still wins
		{"\xff", "a", 1},                         // bytes compare unsigned
	}
	for _, tt := range tests {
		if got := NaturalCompare(tt.a, tt.b); got != tt.want {
			t.Errorf("NaturalCompare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := NaturalCompare(tt.b, tt.a); got != -tt.want {
			t.Errorf("NaturalCompare(%q, %q) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
	}
}
