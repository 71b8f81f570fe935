package sandbox

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
)

// Markers (see inert.go). A marker is \x01, a random nonce drawn once per
// process, the variable's number, padding (\x03) and \x02: no recipe can
// produce the nonce without reading a marker, so every occurrence of the
// nonce in a result is a whole marker put there by copying. (Not NUL: the
// helpers hand values to eval quoted as $'…', which ends at a NUL.) Markers are at least as long as the values they stand for
// plus some slack, so that the bounds the marked evaluation checked hold
// for values up to that length (marks.ratio).

// markNonce is the process's marker nonce.
var markNonce = func() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("sandbox: no randomness for markers: " + err.Error())
	}
	return "\x01" + hex.EncodeToString(b[:])
}()

// markSlack is how much longer than its value a marker is made.
const markSlack = 32

// marks are the markers of one evaluation, by variable name.
type marks struct {
	byName map[string]string
	byMark map[string]string // marker without its first and last byte → name
}

// newMarks makes markers for names, each longer than its value in vars.
func newMarks(names []string, vars map[string]string) *marks {
	m := &marks{byName: make(map[string]string, len(names)), byMark: make(map[string]string, len(names))}
	for i, name := range names {
		id := markNonce + strconv.Itoa(i) + ":"
		pad := max(0, len(vars[name])+markSlack-len(id)-1)
		mk := id + strings.Repeat("\x03", pad) + "\x02"
		m.byName[name] = mk
		m.byMark[mk[1:len(mk)-1]] = name
	}
	return m
}

// ratio is how many times longer than the marked evaluation's values
// those with vals can be: the largest ratio of a value to its marker, and
// at least 1 (every other byte stays as it is).
func (m *marks) ratio(vals func(string) string) float64 {
	r := 1.0
	for name, mk := range m.byName {
		r = max(r, float64(len(vals(name)))/float64(len(mk)))
	}
	return r
}

// subst replaces the markers in s by the values vals gives; ok is false
// when s holds something that looks like a marker but is not one of m's.
func (m *marks) subst(s string, vals func(string) string) (string, bool) {
	i := strings.Index(s, markNonce)
	if i < 0 {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for i >= 0 {
		b.WriteString(s[:i])
		rest := s[i+1:]
		end := strings.IndexByte(rest, 2)
		if end < 0 {
			return "", false
		}
		name, ok := m.byMark[rest[:end]]
		if !ok {
			return "", false
		}
		b.WriteString(vals(name))
		s = rest[end+1:]
		i = strings.Index(s, markNonce)
	}
	b.WriteString(s)
	return b.String(), true
}

// substResult returns res with the markers replaced (nil when a value
// holds a stray marker).
func (m *marks) substResult(res *Result, vals func(string) string) *Result {
	out := &Result{
		Vars:   make(map[string]string, len(res.Vars)),
		Arrays: make(map[string][]string, len(res.Arrays)),
		Funcs:  slices.Clone(res.Funcs),
		Stderr: res.Stderr,
		Calls:  res.Calls,
	}
	if strings.Contains(res.Stderr, markNonce) {
		return nil
	}
	for name, v := range res.Vars {
		s, ok := m.subst(v, vals)
		if !ok {
			return nil
		}
		out.Vars[name] = s
	}
	for name, l := range res.Arrays {
		nl := make([]string, len(l))
		for i, v := range l {
			s, ok := m.subst(v, vals)
			if !ok {
				return nil
			}
			nl[i] = s
		}
		out.Arrays[name] = nl
	}
	return out
}
