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

// parseOutput parses evaluator output as printed (the path HaikuPorter
// takes, and the one parseVars shortcuts): each line of
// pySplitLines(output) through the keyParser.
func parseOutput(output, file string) (*parsedRecipe, error) {
	kp := newKeyParser(file)
	for _, line := range pySplitLines(output) {
		if err := kp.line(line); err != nil {
			return nil, err
		}
	}
	return kp.pr, nil
}

// pySplitLines splits s like Python's str.splitlines: at \n, \r\n, \r,
// \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029, without a final empty line.
func pySplitLines(s string) []string {
	var lines []string
	for rest := s; rest != ""; {
		var line string
		line, rest = cutLine(rest)
		lines = append(lines, line)
	}
	return lines
}
