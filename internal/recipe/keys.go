package recipe

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// archStatus maps an architecture name to its status, as ARCHITECTURES and
// SECONDARY_ARCHITECTURES declare it.
type archStatus map[string]Status

// indexed holds the values of an indexable (per source) attribute by index.
type indexed map[string]any

// entries are the typed recipe values of one package extension, keyed by
// the full recipe key ("PROVIDES_devel") as HaikuPorter stores them. Values
// are string, int, []string, bool, archStatus, indexed or nil.
type entries map[string]any

// parsedRecipe is what the recipe's shell evaluation yields, split into
// extensions the way HaikuPorter's ConfigParser does.
type parsedRecipe struct {
	byExtension   map[string]entries
	definedPhases []string
	warnings      []string
}

// isSupportedKey reports whether a shell variable is printed by HaikuPorter's
// evaluator: a known key, optionally followed by _[0-9a-zA-Z_]+.
func isSupportedKey(name string) bool {
	if name == "" || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	if _, ok := attributes[name]; ok {
		return true
	}
	for i := 1; i < len(name)-1; i++ {
		if name[i] != '_' {
			continue
		}
		if _, ok := attributes[name[:i]]; ok && validKeyTail(name[i+1:]) {
			return true
		}
	}
	return false
}

func validKeyTail(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// evaluatorOutput formats the selected variables (sorted by name, as bash's
// `set` lists them) and defined phases the way HaikuPorter's evaluator
// script prints them: KEY=value with newlines as \n, then <PHASE>_DEFINED=1.
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

// evaluatorLines is pySplitLines(evaluatorOutput(vars, phasesDefined)),
// without building the whole output: every entry ends with a newline and
// holds no other (they are printed as \n), so no line break spans two
// entries, and an entry without any other line break is one line.
func evaluatorLines(vars map[string]string, phasesDefined []string) []string {
	var names []string
	for k := range vars {
		if isSupportedKey(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	lines := make([]string, 0, len(names)+len(phases))
	for _, k := range names {
		entry := k + "=" + strings.ReplaceAll(vars[k], "\n", `\n`)
		if hasLineBreak(entry) {
			lines = append(lines, pySplitLines(entry+"\n")...)
		} else {
			lines = append(lines, entry)
		}
	}
	for _, p := range phases {
		if slices.Contains(phasesDefined, p) {
			lines = append(lines, p+"_DEFINED=1")
		}
	}
	return lines
}

// hasLineBreak reports whether s holds a line break in Python's sense
// (see pySplitLines).
func hasLineBreak(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n' || c == '\r' || c == '\v' || c == '\f' || c >= 0x1c && c <= 0x1e:
			return true
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x85:
			return true
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			return true
		}
	}
	return false
}

// pySplitLines splits s like Python's str.splitlines: at \n, \r\n, \r,
// \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029, without a final empty line.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		n := 0 // length of the line break at i
		switch {
		case c == '\n' || c == '\v' || c == '\f' || c >= 0x1c && c <= 0x1e:
			n = 1
		case c == '\r':
			n = 1
			if i+1 < len(s) && s[i+1] == '\n' {
				n = 2
			}
		case c == 0xc2 && i+1 < len(s) && s[i+1] == 0x85:
			n = 2
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			n = 3
		}
		if n == 0 {
			i++
			continue
		}
		lines = append(lines, s[start:i])
		i += n
		start = i
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// pyStrip strips surrounding whitespace like Python's str.strip.
func pyStrip(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\x1c' || r == '\x1d' || r == '\x1e' || r == '\x1f'
	})
}

// parseOutput turns evaluator output into typed entries per extension,
// with ConfigParser's rules: key splitting, types, lower-casing of
// provides and requires, and its errors (which make the recipe broken).
func parseOutput(output, file string, meta bool) (*parsedRecipe, error) {
	return parseLines(pySplitLines(output), file, meta)
}

// parseLines is parseOutput of the output's lines (pySplitLines).
func parseLines(lines []string, file string, meta bool) (*parsedRecipe, error) {
	pr := &parsedRecipe{byExtension: map[string]entries{}}
	extension, haveExtension := "", false
	for _, line := range lines {
		key, valueString, ok := strings.Cut(line, "=")
		if !ok {
			return nil, brokenf("evaluating file %s produced illegal key-values line: %q", file, line)
		}
		var baseKey, index string
		if _, known := attributes[key]; known {
			baseKey, extension, index, haveExtension = key, "", "1", true
		} else {
			matched := false
			subKeys := strings.Split(key, "_")
			baseKey = ""
			for len(subKeys) > 0 {
				sub := subKeys[0]
				subKeys = subKeys[1:]
				if baseKey != "" {
					baseKey += "_"
				}
				baseKey += sub
				a, known := attributes[baseKey]
				if !known {
					continue
				}
				if a.ext != perPort {
					extension, haveExtension = strings.Join(subKeys, "_"), true
					matched = true
					break
				}
				if a.indexable {
					if len(subKeys) == 0 {
						index, matched = "1", true
						break
					}
					if len(subKeys) == 1 && isPyDigits(subKeys[0]) {
						index, matched = subKeys[0], true
						break
					}
				}
				pr.warnings = append(pr.warnings, fmt.Sprintf("ignoring key %s", key))
			}
			if !matched {
				if phase, ok := strings.CutSuffix(key, "_DEFINED"); ok && slices.Contains(phases, phase) {
					pr.definedPhases = append(pr.definedPhases, phase)
				} else {
					pr.warnings = append(pr.warnings, fmt.Sprintf("key %s is unsupported, ignoring it", key))
				}
				continue
			}
			if attributes[baseKey].indexable && !haveExtension {
				// HaikuPorter's parser fails here (its extension variable
				// is not yet bound).
				return nil, brokenf("evaluating file %s: key %s comes before any other key", file, key)
			}
		}
		e := pr.byExtension[extension]
		if e == nil {
			e = entries{}
			pr.byExtension[extension] = e
		}
		valueString = strings.ReplaceAll(valueString, `\n`, "\n")
		attr := attributes[baseKey]
		var idx indexed
		if attr.indexable {
			if m, ok := e[baseKey].(indexed); ok {
				idx = m
			} else {
				idx = indexed{}
				e[baseKey] = idx
			}
		}
		store := func(v any) {
			if attr.indexable {
				idx[index] = v
			} else {
				e[key] = v
			}
		}
		switch attr.typ {
		case typeString:
			store(valueString)
		case typeInt:
			n, ok := pyInt(valueString)
			if !ok {
				return nil, brokenf("evaluating file %s produced illegal value %q for key %s, expected an <integer> value", file, valueString, key)
			}
			store(n)
		case typeList, typeProvides, typeRequires:
			var values []string
			for _, v := range pySplitLines(valueString) {
				if v = pyStrip(v); v != "" {
					values = append(values, v)
				}
			}
			if attr.typ != typeList {
				for i, v := range values {
					values[i] = strings.ToLower(v)
					if f := strings.Fields(values[i]); len(f) > 0 && strings.Contains(f[0], "-") {
						return nil, brokenf("evaluating file %s produced illegal value %q for key %s: dashes are not allowed in provides or requires declarations", file, values[i], key)
					}
				}
			}
			if values == nil {
				values = []string{}
			}
			store(values)
		case typeText:
			var values []string
			for _, v := range pySplitLines(valueString) {
				values = append(values, pyStrip(v))
			}
			for len(values) > 0 && values[0] == "" {
				values = values[1:]
			}
			for len(values) > 0 && values[len(values)-1] == "" {
				values = values[:len(values)-1]
			}
			if values == nil {
				values = []string{}
			}
			e[key] = values
		case typePhase:
			u := strings.ToUpper(valueString)
			if !slices.Contains(phases, u) {
				return nil, brokenf("evaluating file %s produced illegal value %q for key %s, expected one of: PATCH,BUILD,TEST,INSTALL", file, valueString, key)
			}
			e[key] = u
		case typeArchitectures:
			as := archStatus{}
			for _, v := range strings.Fields(strings.ToLower(valueString)) {
				status, arch := StatusStable, v
				if rest, ok := strings.CutPrefix(v, "?"); ok {
					status, arch = StatusUntested, rest
				} else if rest, ok := strings.CutPrefix(v, "!"); ok {
					status, arch = StatusBroken, rest
				}
				if arch == "all" {
					if len(as) > 0 {
						return nil, brokenf("%s specifies 'all' after other architectures", file)
					}
					for _, m := range machineArchitectures {
						as[m] = status
					}
					continue
				}
				if !isKnownArchitecture(arch) {
					return nil, brokenf("%s refers to unknown architecture %s", file, arch)
				}
				as[arch] = status
			}
			if _, ok := as["any"]; ok && len(as) > 1 {
				return nil, brokenf("%s specifies both 'any' and other architectures", file)
			}
			if _, ok := as["source"]; ok && len(as) > 1 {
				return nil, brokenf("%s specifies both 'source' and other architectures", file)
			}
			e[key] = as
		case typeYesNo:
			switch strings.ToLower(valueString) {
			case "yes", "true":
				e[key] = true
			case "no", "false":
				e[key] = false
			default:
				return nil, brokenf("value for %s should be 'yes' or 'no' in %s", key, file)
			}
		}
	}
	return pr, nil
}

// isPyDigits reports whether s is non-empty and all decimal digits (ASCII
// here; HaikuPorter also accepts other Unicode digits, which bash variable
// names cannot hold anyway).
func isPyDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// pyInt parses s as Python's int() does for the cases recipes produce:
// surrounding whitespace, an optional sign, digits with single underscores.
func pyInt(s string) (int, bool) {
	s = pyStrip(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<31)/10 {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
