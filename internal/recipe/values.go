package recipe

import (
	"slices"
	"strings"
)

// parseValue converts the value of a recipe key (line breaks as \n) to its
// attribute type, as HaikuPorter's RecipeTypes do: string, int, []string,
// bool or archStatus. An invalid value is an error (the recipe is broken).
func parseValue(typ attrType, key, valueString, file string) (any, error) {
	switch typ {
	case typeString:
		return valueString, nil
	case typeInt:
		n, ok := pyInt(valueString)
		if !ok {
			return nil, brokenf("evaluating file %s produced illegal value %q for key %s, expected an <integer> value", file, valueString, key)
		}
		return n, nil
	case typeList, typeProvides, typeRequires:
		return parseList(typ, key, valueString, file)
	case typeText:
		return parseText(valueString), nil
	case typePhase:
		u := strings.ToUpper(valueString)
		if !slices.Contains(phases, u) {
			return nil, brokenf("evaluating file %s produced illegal value %q for key %s, expected one of: PATCH,BUILD,TEST,INSTALL", file, valueString, key)
		}
		return u, nil
	case typeArchitectures:
		return parseArchitectures(valueString, file)
	case typeYesNo:
		switch strings.ToLower(valueString) {
		case "yes", "true":
			return true, nil
		case "no", "false":
			return false, nil
		}
		return nil, brokenf("value for %s should be 'yes' or 'no' in %s", key, file)
	}
	return nil, nil
}

// parseList returns the non-empty stripped lines of a value, lower-cased
// for provides and requires, which must not hold a dash in their name.
func parseList(typ attrType, key, valueString, file string) ([]string, error) {
	values := make([]string, 0, countLines(valueString))
	for rest := valueString; rest != ""; {
		var v string
		v, rest = cutLine(rest)
		if v = pyStrip(v); v == "" {
			continue
		}
		if typ != typeList {
			v = strings.ToLower(v)
			if strings.Contains(firstField(v), "-") {
				return nil, brokenf("evaluating file %s produced illegal value %q for key %s: dashes are not allowed in provides or requires declarations", file, v, key)
			}
		}
		values = append(values, v)
	}
	return values, nil
}

// parseText returns the stripped lines of a value without the empty ones
// at its start and end (DESCRIPTION).
func parseText(valueString string) []string {
	values := make([]string, 0, countLines(valueString))
	for rest := valueString; rest != ""; {
		var v string
		v, rest = cutLine(rest)
		if v = pyStrip(v); v != "" || len(values) > 0 {
			values = append(values, v)
		}
	}
	for len(values) > 0 && values[len(values)-1] == "" {
		values = values[:len(values)-1]
	}
	return values
}

// parseArchitectures parses "x86_64 ?arm !x86_gcc2" (or "all") into each
// architecture's status: stable, untested (?) or broken (!).
func parseArchitectures(valueString, file string) (archStatus, error) {
	lower := strings.ToLower(valueString)
	hint := strings.Count(lower, " ") + 1 // fields, or more
	if strings.Contains(lower, "all") {
		hint += len(machineArchitectures)
	}
	as := make(archStatus, hint)
	for v := range strings.FieldsSeq(lower) {
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
	return as, nil
}
