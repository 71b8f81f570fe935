package pkginfo

import "strings"

// Operator is a resolvable expression's comparison, with the numeric values
// stored in HPKG files (package:resolvable.operator).
type Operator uint8

// Resolvable operators.
const (
	OpLess Operator = iota
	OpLessEqual
	OpEqual
	OpNotEqual
	OpGreaterEqual
	OpGreater
	numOperators
)

var operatorNames = [numOperators]string{"<", "<=", "==", "!=", ">=", ">"}

// String returns the operator as written in .PackageInfo files.
func (o Operator) String() string {
	if o < numOperators {
		return operatorNames[o]
	}
	return "?"
}

// Valid reports whether o is a known operator.
func (o Operator) Valid() bool { return o < numOperators }

// Holds reports whether a comparison result c (negative, zero or positive,
// as from Version.Compare of the provided against the required version)
// satisfies the operator. An unknown operator never holds.
func (o Operator) Holds(c int) bool {
	switch o {
	case OpLess:
		return c < 0
	case OpLessEqual:
		return c <= 0
	case OpEqual:
		return c == 0
	case OpNotEqual:
		return c != 0
	case OpGreaterEqual:
		return c >= 0
	case OpGreater:
		return c > 0
	}
	return false
}

// ParseOperator returns the operator spelled s ("<", "<=", "==", "!=", ">=", ">").
func ParseOperator(s string) (Operator, bool) {
	for i, n := range operatorNames {
		if n == s {
			return Operator(i), true
		}
	}
	return 0, false
}

// Resolvable is something a package provides: a name, an optional version
// and an optional compatible (compat >=) version.
type Resolvable struct {
	Name    string  `json:"name"`
	Version Version `json:"version,omitzero"`
	Compat  Version `json:"compat,omitzero"`
}

// String formats r as HaikuPorter's DependencyInfo does: "name = 1.2 compat >= 1".
// A name that is not a plain word is quoted, so ParseResolvable reads the
// result back to r.
func (r Resolvable) String() string {
	var b strings.Builder
	b.WriteString(quoteWord(r.Name))
	if !r.Version.IsZero() {
		b.WriteString(" = ")
		b.WriteString(r.Version.String())
		if !r.Compat.IsZero() {
			b.WriteString(" compat >= ")
			b.WriteString(r.Compat.String())
		}
	}
	return b.String()
}

// Expression is a requirement on a resolvable (requires, supplements,
// conflicts, freshens, build requires): a name and, when Version is not
// zero, an operator and a version. Base marks a requirement on the base
// package ("name base" in .PackageInfo requires).
type Expression struct {
	Name    string   `json:"name"`
	Op      Operator `json:"op,omitempty"`
	Version Version  `json:"version,omitzero"`
	Base    bool     `json:"base,omitempty"`
}

// String formats e as "name", "name >= 1.2" (and " base" when set), quoting
// a name that is not a plain word, so ParseExpression reads it back to e.
func (e Expression) String() string {
	var b strings.Builder
	b.WriteString(quoteWord(e.Name))
	if !e.Version.IsZero() {
		b.WriteByte(' ')
		b.WriteString(e.Op.String())
		b.WriteByte(' ')
		b.WriteString(e.Version.String())
	}
	if e.Base {
		b.WriteString(" base")
	}
	return b.String()
}

// Matches reports whether the provided resolvable p satisfies e, with the
// rule of BPackageResolvableExpression::Matches: names equal; no required
// version matches anything; otherwise the operator must hold for
// c = p.Version.Compare(e.Version), and a provider without a compat version
// satisfies only an exact match, one with compat version C only when the
// required version lies within [C, p.Version].
func (e Expression) Matches(p Resolvable) bool {
	if e.Name != p.Name {
		return false
	}
	if e.Version.IsZero() {
		return true
	}
	if p.Version.IsZero() {
		return false
	}
	c := p.Version.Compare(e.Version)
	ok := e.Op.Holds(c)
	if !ok {
		return false
	}
	if p.Compat.IsZero() {
		return c == 0
	}
	return c <= 0 || p.Compat.Compare(e.Version) <= 0
}
