package main

import "fmt"

// count returns n and the noun, in the plural unless n is 1 ("1 package",
// "2 packages"); the plural is noun+"s".
func count(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
