package recipe

import (
	"slices"
	"strings"
)

// parseVars parses, as the keyParser parses each line, the lines
// HaikuPorter's evaluator prints for the variables of a recipe's shell run
// and the functions it defined, without printing them: the supported keys (isSupportedKey) sorted by
// name, as bash's `set` lists them, each as KEY=value with its newlines
// printed as \n, then <PHASE>_DEFINED=1 for each phase function defined.
//
// A value without other line breaks is one line, whose parsing turns \n
// back into newlines, both those printed for one and those the value
// spelled as a backslash and an n; parseVars parses such a value as it is.
// A value with other line breaks (\r, \v, U+2028 …), which HaikuPorter's
// splitlines also splits at, is printed and split as HaikuPorter does.
func parseVars(vars map[string]string, funcs []string, file string) (*parsedRecipe, error) {
	names := make([]string, 0, 32)
	for k := range vars {
		if isSupportedKey(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	kp := newKeyParser(file)
	for _, k := range names {
		v := vars[k]
		if !hasOtherLineBreak(v) {
			if err := kp.entry(k, v); err != nil {
				return nil, err
			}
			continue
		}
		for rest := k + "=" + strings.ReplaceAll(v, "\n", `\n`) + "\n"; rest != ""; {
			var line string
			line, rest = cutLine(rest)
			if err := kp.line(line); err != nil {
				return nil, err
			}
		}
	}
	for _, p := range phases {
		if slices.Contains(funcs, p) {
			// The line <PHASE>_DEFINED=1 names no attribute.
			kp.pr.definedPhases = append(kp.pr.definedPhases, p)
		}
	}
	return kp.pr, nil
}
