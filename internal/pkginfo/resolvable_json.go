package pkginfo

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MarshalText writes the operator as in .PackageInfo files ("<", ">=", …),
// which is how manifests and JSON output show it.
func (o Operator) MarshalText() ([]byte, error) {
	if !o.Valid() {
		return nil, fmt.Errorf("%w: operator %d", ErrInvalid, uint8(o))
	}
	return []byte(o.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Operator) UnmarshalText(b []byte) error {
	v, ok := ParseOperator(string(b))
	if !ok {
		return fmt.Errorf("%w: unknown operator %q", ErrSyntax, b)
	}
	*o = v
	return nil
}

// expressionJSON is Expression's JSON form: the operator appears exactly
// when there is a version, so "op" is never implied by its absence.
type expressionJSON struct {
	Name    string    `json:"name"`
	Op      *Operator `json:"op,omitempty"`
	Version Version   `json:"version,omitzero"`
	Base    bool      `json:"base,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (e Expression) MarshalJSON() ([]byte, error) {
	j := expressionJSON{Name: e.Name, Version: e.Version, Base: e.Base}
	if !e.Version.IsZero() {
		op := e.Op
		j.Op = &op
	}
	// Unescaped, so the outer encoder's own SetEscapeHTML setting decides.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(j); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON implements json.Unmarshaler. A version without an operator
// is an error.
func (e *Expression) UnmarshalJSON(b []byte) error {
	var j expressionJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if !j.Version.IsZero() && j.Op == nil {
		return fmt.Errorf("%w: requirement %q has a version but no operator", ErrInvalid, j.Name)
	}
	*e = Expression{Name: j.Name, Version: j.Version, Base: j.Base}
	if j.Op != nil {
		e.Op = *j.Op
	}
	return nil
}
