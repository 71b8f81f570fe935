package image

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrMissingLibrary is returned when an executable or library of the
// tree needs a shared library (or a program interpreter) the tree lacks.
var ErrMissingLibrary = errors.New("needs a library the image lacks")

// Arch is what the image build knows of one architecture.
type Arch struct {
	Name    string      // Debian and Go: amd64, arm64
	Triplet string      // the multiarch directory: x86_64-linux-gnu
	Machine elf.Machine // what its ELF files say
}

// Arches are the architectures an image can be built for.
var Arches = map[string]Arch{
	"amd64": {Name: "amd64", Triplet: "x86_64-linux-gnu", Machine: elf.EM_X86_64},
	"arm64": {Name: "arm64", Triplet: "aarch64-linux-gnu", Machine: elf.EM_AARCH64},
}

// CheckELF reads every ELF file of the tree and checks that it is built
// for a's machine and that its program interpreter and every DT_NEEDED
// library resolve inside the tree (in its DT_RUNPATH/DT_RPATH, then the
// dynamic loader's default directories: /lib/TRIPLET, /usr/lib/TRIPLET,
// /lib, /usr/lib). This is what makes a left-out package (perl, say)
// safe: what the image runs finds all it links to. It returns the number
// of ELF files checked.
func CheckELF(t *Tree, a Arch) (int, error) {
	dirs := []string{"lib/" + a.Triplet, "usr/lib/" + a.Triplet, "lib", "usr/lib"}
	var problems []string
	n := 0
	for _, e := range t.Entries() {
		if e.Header.Typeflag != tar.TypeReg || !bytes.HasPrefix(e.Data, []byte(elf.ELFMAG)) {
			continue
		}
		n++
		f, err := elf.NewFile(bytes.NewReader(e.Data))
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", e.Header.Name, err))
			continue
		}
		if f.Machine != a.Machine {
			problems = append(problems, fmt.Sprintf("%s: built for %v, not %v", e.Header.Name, f.Machine, a.Machine))
			continue
		}
		for _, p := range f.Progs {
			if p.Type != elf.PT_INTERP {
				continue
			}
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err != nil {
				problems = append(problems, fmt.Sprintf("%s: interpreter: %v", e.Header.Name, err))
				continue
			}
			interp := strings.TrimRight(string(b), "\x00")
			if _, ok := t.Resolve(interp); !ok {
				problems = append(problems, fmt.Sprintf("%s: interpreter %s", e.Header.Name, interp))
			}
		}
		needed, _ := f.DynString(elf.DT_NEEDED)
		search := runpath(f, path.Dir(e.Header.Name))
		search = append(search, dirs...)
		for _, lib := range needed {
			if !findLib(t, search, lib) {
				problems = append(problems, fmt.Sprintf("%s: %s", e.Header.Name, lib))
			}
		}
		f.Close()
	}
	if len(problems) > 0 {
		return n, fmt.Errorf("%w: %s", ErrMissingLibrary, strings.Join(problems, "; "))
	}
	return n, nil
}

// runpath returns the ELF's DT_RUNPATH (or DT_RPATH) directories with
// $ORIGIN expanded to dir.
func runpath(f *elf.File, dir string) []string {
	var out []string
	for _, tag := range []elf.DynTag{elf.DT_RUNPATH, elf.DT_RPATH} {
		vals, _ := f.DynString(tag)
		for _, v := range vals {
			for _, d := range strings.Split(v, ":") {
				d = strings.ReplaceAll(strings.ReplaceAll(d, "${ORIGIN}", "/"+dir), "$ORIGIN", "/"+dir)
				if d != "" {
					out = append(out, Clean(d))
				}
			}
		}
	}
	return out
}

func findLib(t *Tree, dirs []string, lib string) bool {
	if strings.Contains(lib, "/") {
		_, ok := t.Resolve(lib)
		return ok
	}
	for _, d := range dirs {
		if _, ok := t.Resolve(d + "/" + lib); ok {
			return true
		}
	}
	return false
}
