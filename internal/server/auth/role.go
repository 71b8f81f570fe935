// Package auth authenticates the API's callers with bearer tokens.
//
// A token is 32 random bytes printed as "kiln_" and 43 base64url
// characters. The config holds only its SHA-256 hash ("sha256:<hex>"),
// a name and a role; roles are ordered read < trigger < admin and a role
// includes the ones below it. Require wraps a handler so that only callers
// with at least a given role reach it; the caller's token name is then in
// the request's context (Caller) for audit logs. A token itself is never
// logged, neither here nor in errors this package returns.
package auth

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is wrapped by every error about a role, hash or token list.
var ErrInvalid = errors.New("auth: invalid")

// Role is what a token may do. Roles are ordered: a higher role may do
// everything a lower one may.
type Role int

// The roles, lowest first. The zero Role is no role at all.
const (
	// RoleRead may read what the API offers to authenticated readers.
	RoleRead Role = iota + 1
	// RoleTrigger may also start, cancel and retry runs and builds.
	RoleTrigger
	// RoleAdmin may do everything (rollback, uploads, builders).
	RoleAdmin
)

var roleNames = []string{RoleRead: "read", RoleTrigger: "trigger", RoleAdmin: "admin"}

// Roles lists the role names, lowest first.
func Roles() []string { return append([]string(nil), roleNames[1:]...) }

// String is the role's name as the config spells it.
func (r Role) String() string {
	if r >= RoleRead && r <= RoleAdmin {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Includes reports whether r may do what need requires.
func (r Role) Includes(need Role) bool { return r >= need && need >= RoleRead }

// ParseRole returns the role called s; an unknown name is an error that
// lists the roles.
func ParseRole(s string) (Role, error) {
	for r := RoleRead; r <= RoleAdmin; r++ {
		if s == roleNames[r] {
			return r, nil
		}
	}
	return 0, fmt.Errorf("%w: role %q (want %s)", ErrInvalid, s, strings.Join(Roles(), ", "))
}
