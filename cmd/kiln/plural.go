package main

import (
	"fmt"
	"strings"
)

// count returns n and the noun, in the plural unless n is 1 ("1 package",
// "2 packages", "3 entries").
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	if s, ok := strings.CutSuffix(noun, "y"); ok && s != "" && !strings.ContainsAny(s[len(s)-1:], "aeiou") {
		return fmt.Sprintf("%d %sies", n, s)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
