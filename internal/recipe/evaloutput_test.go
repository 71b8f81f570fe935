package recipe

import (
	"slices"
	"strings"
)

// evaluatorOutput formats the selected variables (sorted by name, as bash's
// `set` lists them) and defined phases the way HaikuPorter's evaluator
// script prints them: KEY=value with newlines as \n, then <PHASE>_DEFINED=1.
// It is the reference parseVars is checked against.
func evaluatorOutput(vars map[string]string, phasesDefined []string) string {
	var names []string
	for k := range vars {
		if isSupportedKey(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strings.ReplaceAll(vars[k], "\n", `\n`))
		b.WriteByte('\n')
	}
	for _, p := range phases {
		if slices.Contains(phasesDefined, p) {
			b.WriteString(p + "_DEFINED=1\n")
		}
	}
	return b.String()
}
