package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	a, ha, err := Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := Generate(nil)
	if a == b {
		t.Fatal("two tokens alike")
	}
	if !strings.HasPrefix(a, Prefix) || len(a) != tokenLen || !wellFormed(a) {
		t.Errorf("token %q (len %d) not well formed", a, len(a))
	}
	if HashToken(a) != ha {
		t.Error("Generate's hash differs from HashToken")
	}
	h, err := ParseHash(ha.String())
	if err != nil || h != ha {
		t.Errorf("ParseHash(String()) = %v, %v", h, err)
	}
}

func TestParseHashErrors(t *testing.T) {
	good := HashToken("x").String()
	for _, s := range []string{"", good[len(hashPrefix):], "sha1:" + good[len(hashPrefix):], good[:len(good)-1], good + "0", good[:len(good)-1] + "g", "SHA256:" + good[len(hashPrefix):]} {
		if _, err := ParseHash(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseHash(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestParseRole(t *testing.T) {
	for _, name := range Roles() {
		r, err := ParseRole(name)
		if err != nil || r.String() != name {
			t.Errorf("ParseRole(%s) = %v, %v", name, r, err)
		}
	}
	_, err := ParseRole("triger")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `"triger"`) || !strings.Contains(err.Error(), "read, trigger, admin") {
		t.Errorf("typo: %v (want the name and the roles)", err)
	}
	if !RoleAdmin.Includes(RoleRead) || RoleRead.Includes(RoleTrigger) || RoleAdmin.Includes(0) {
		t.Error("role order")
	}
}

func TestNewKeyringErrors(t *testing.T) {
	h1, h2 := HashToken("a"), HashToken("b")
	for _, tc := range []struct {
		name string
		toks []Token
		want string
	}{
		{"bad name", []Token{{Name: "a b", Role: RoleRead, Hash: h1}}, `"a b"`},
		{"empty name", []Token{{Role: RoleRead, Hash: h1}}, `""`},
		{"no role", []Token{{Name: "a", Hash: h1}}, "no role"},
		{"name twice", []Token{{Name: "a", Role: RoleRead, Hash: h1}, {Name: "a", Role: RoleRead, Hash: h2}}, "a given twice"},
		{"hash twice", []Token{{Name: "a", Role: RoleRead, Hash: h1}, {Name: "b", Role: RoleAdmin, Hash: h1}}, "same hash"},
	} {
		_, err := NewKeyring(tc.toks)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestLookup(t *testing.T) {
	a, ha, _ := Generate(nil)
	b, hb, _ := Generate(nil)
	k, err := NewKeyring([]Token{{Name: "a", Role: RoleRead, Hash: ha}, {Name: "b", Role: RoleAdmin, Hash: hb}})
	if err != nil {
		t.Fatal(err)
	}
	if tok, ok := k.Lookup(b); !ok || tok.Name != "b" {
		t.Errorf("Lookup(b) = %+v, %v", tok, ok)
	}
	if tok, ok := k.Lookup(a); !ok || tok.Name != "a" {
		t.Errorf("Lookup(a) = %+v, %v", tok, ok)
	}
	if _, ok := k.Lookup(ha.String()); ok {
		t.Error("the hash itself authenticates")
	}
}
