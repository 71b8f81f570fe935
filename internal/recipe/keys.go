package recipe

import (
	"fmt"
	"slices"
	"strings"
)

// archStatus maps an architecture name to its status, as ARCHITECTURES and
// SECONDARY_ARCHITECTURES declare it.
type archStatus map[string]Status

// indexed holds the values of an indexable (per source) attribute by index.
type indexed map[string]any

// attrValues are the typed values of one package extension by attribute:
// the extension's full keys ("PROVIDES_devel"; the base key itself for the
// base package), and the indexed (per source) attributes, which belong to
// the extension of the key before them. Values are string, int, []string,
// bool, archStatus, indexed or nil; set marks the attributes given.
type attrValues struct {
	set uint64
	v   [numAttributes]any
}

func (av *attrValues) has(id attrID) bool { return av.set&(1<<id) != 0 }

func (av *attrValues) put(id attrID, v any) {
	av.set |= 1 << id
	av.v[id] = v
}

// parsedRecipe is what the recipe's shell evaluation yields, split into
// extensions the way HaikuPorter's ConfigParser does. Keys ConfigParser
// files under an extension but not under one of its full keys
// ("_PROVIDES_devel", "PROVIDES_" under the base package), which nothing
// reads, are not kept (their extension is).
type parsedRecipe struct {
	byExtension   map[string]*attrValues
	definedPhases []string
	warnings      []string
}

// isSupportedKey reports whether a shell variable is printed by HaikuPorter's
// evaluator: a known key, optionally followed by _[0-9a-zA-Z_]+.
func isSupportedKey(name string) bool {
	if name == "" || name[0] < 'A' || name[0] > 'Z' {
		return false
	}
	if _, ok := lookupAttribute(name); ok {
		return true
	}
	for i := 1; i < len(name)-1; i++ {
		if name[i] != '_' {
			continue
		}
		if _, ok := lookupAttribute(name[:i]); ok && validKeyTail(name[i+1:]) {
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

// keyParser parses evaluator output line by line, as ConfigParser does:
// an indexed key (SOURCE_URI_2) belongs to the extension of the key before
// it, so the parser keeps that extension from one line to the next.
type keyParser struct {
	pr            *parsedRecipe
	file          string
	extension     string
	haveExtension bool
}

func newKeyParser(file string) *keyParser {
	return &keyParser{pr: &parsedRecipe{byExtension: make(map[string]*attrValues, 4)}, file: file}
}

// line parses one line of evaluator output, KEY=value.
func (kp *keyParser) line(line string) error {
	key, value, ok := strings.Cut(line, "=")
	if !ok {
		return brokenf("evaluating file %s produced illegal key-values line: %q", kp.file, line)
	}
	return kp.entry(key, value)
}

// entry parses one key and its value as the evaluator prints it (\n
// standing for a line break).
func (kp *keyParser) entry(key, valueString string) error {
	id, index, ok := kp.split(key)
	if !ok {
		return nil
	}
	attr := &attributeTable[id]
	if attr.indexable && !kp.haveExtension {
		// HaikuPorter's parser fails here (its extension variable is not
		// yet bound).
		return brokenf("evaluating file %s: key %s comes before any other key", kp.file, key)
	}
	e := kp.pr.byExtension[kp.extension]
	if e == nil {
		e = &attrValues{}
		kp.pr.byExtension[kp.extension] = e
	}
	var idx indexed
	if attr.indexable {
		if m, ok := e.v[id].(indexed); ok {
			idx = m
		} else {
			idx = indexed{}
			e.put(id, idx)
		}
	}
	v, err := parseValue(attr.typ, key, strings.ReplaceAll(valueString, `\n`, "\n"), kp.file)
	if err != nil {
		return err
	}
	switch {
	case attr.indexable:
		idx[index] = v
	case isFullKey(key, attr.name, kp.extension):
		e.put(id, v)
	}
	return nil
}

// isFullKey reports whether key is the full key of an attribute in an
// extension: the attribute's name for the base package (""), else
// <name>_<extension>.
func isFullKey(key, name, extension string) bool {
	if extension == "" {
		return key == name
	}
	return len(key) == len(name)+1+len(extension) && key[len(name)] == '_' &&
		strings.HasPrefix(key, name) && strings.HasSuffix(key, extension)
}

// split finds the attribute a key names, HaikuPorter's way: the key
// itself, or the shortest prefix ending before an underscore that is a
// per-package attribute (the rest is the extension, which split makes
// current) or an indexable one followed by nothing or an index. Keys that
// name none are warned about, or recorded as defined phases
// (<PHASE>_DEFINED); split then returns false.
func (kp *keyParser) split(key string) (id attrID, index string, ok bool) {
	if id, known := lookupAttribute(key); known {
		kp.extension, kp.haveExtension = "", true
		return id, "1", true
	}
	// ConfigParser splits the key at underscores and joins the parts
	// again one by one, where leading empty parts add nothing: the
	// prefixes are those of the key without its leading underscores.
	rest := strings.TrimLeft(key, "_")
	for i := 0; i <= len(rest); i++ {
		if i < len(rest) && rest[i] != '_' {
			continue
		}
		prefix, tail, more := rest[:i], "", i < len(rest)
		if more {
			tail = rest[i+1:]
		}
		id, known := lookupAttribute(prefix)
		if !known {
			continue
		}
		a := &attributeTable[id]
		if a.ext != perPort {
			kp.extension, kp.haveExtension = tail, true
			return id, "", true
		}
		if a.indexable {
			if !more {
				return id, "1", true
			}
			if isPyDigits(tail) { // one part, all digits
				return id, tail, true
			}
		}
		kp.pr.warnings = append(kp.pr.warnings, fmt.Sprintf("ignoring key %s", key))
	}
	if phase, ok := strings.CutSuffix(key, "_DEFINED"); ok && slices.Contains(phases, phase) {
		kp.pr.definedPhases = append(kp.pr.definedPhases, phase)
	} else {
		kp.pr.warnings = append(kp.pr.warnings, fmt.Sprintf("key %s is unsupported, ignoring it", key))
	}
	return 0, "", false
}
