package pkginfo

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestArchitecture(t *testing.T) {
	names := []string{"any", "x86", "x86_gcc2", "source", "x86_64", "ppc", "arm", "m68k", "sparc", "arm64", "riscv64"}
	for i, n := range names {
		a, err := ParseArchitecture(n)
		if err != nil || a != Architecture(i) || a.String() != n || !a.Valid() {
			t.Errorf("ParseArchitecture(%q) = %d, %v", n, a, err)
		}
	}
	if a, err := ParseArchitecture("X86_64"); err != nil || a != ArchX86_64 {
		t.Errorf("upper case: %v, %v", a, err)
	}
	for _, bad := range []string{"", "vax", "m68\u212a", "x86-64"} {
		if _, err := ParseArchitecture(bad); !errors.Is(err, ErrUnknownArchitecture) {
			t.Errorf("ParseArchitecture(%q): %v", bad, err)
		}
	}
	if Architecture(11).Valid() || Architecture(11).String() != "arch(11)" {
		t.Error("Architecture(11)")
	}
	b, err := json.Marshal(ArchRISCV64)
	var back Architecture
	if err != nil || string(b) != `"riscv64"` || json.Unmarshal(b, &back) != nil || back != ArchRISCV64 {
		t.Errorf("JSON %s, %v, %v", b, err, back)
	}
	if _, err := json.Marshal(Architecture(200)); err == nil {
		t.Error("marshalled an unknown architecture")
	}
}
