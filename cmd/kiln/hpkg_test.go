package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

func TestHpkgInfoJSON(t *testing.T) {
	out, _, err := runKiln(t, "hpkg", "info", "--json", testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Name         string   `json:"name"`
		Version      string   `json:"version"`
		Architecture string   `json:"architecture"`
		Licenses     []string `json:"licenses"`
		Copyrights   []string `json:"copyrights"`
		Requires     []struct {
			Name    string `json:"name"`
			Op      string `json:"op"`
			Version string `json:"version"`
		} `json:"requires"`
		Format struct {
			Version     string `json:"version"`
			Compression string `json:"compression"`
			Chunks      int    `json:"chunks"`
			Size        int64  `json:"size"`
		} `json:"format"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Name != "tipster" || got.Version != "1.1.1-1" || got.Architecture != "x86_64" ||
		len(got.Licenses) != 1 || got.Licenses[0] != "MIT" || len(got.Copyrights) != 6 {
		t.Errorf("got %+v", got)
	}
	if len(got.Requires) != 1 || got.Requires[0].Name != "haiku" || got.Requires[0].Op != ">=" || got.Requires[0].Version != "r1~beta1_hrev52295_129-1" {
		t.Errorf("requires %+v", got.Requires)
	}
	if got.Format.Version != "2.0" || got.Format.Compression != "zlib" || got.Format.Chunks != 3 || got.Format.Size != 49334 {
		t.Errorf("format %+v", got.Format)
	}
}

func TestHpkgInfoText(t *testing.T) {
	out, _, err := runKiln(t, "hpkg", "info", testenv.Fixture(t, "hpkg/artificial-1.0.0-any.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name:         example\n", "version:      42.17-12\n", "architecture: x86_gcc2\n",
		"provides:     example = 42.17-12\n", "format:       hpkg 2.1, zstd heap, 1 chunk of 65536 bytes, 563 bytes"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	_, _, err = runKiln(t, "hpkg", "info", testenv.Fixture(t, "hpkr/repo-2013-x86.hpkr"))
	if err == nil || !strings.Contains(err.Error(), `magic "hpkr"`) {
		t.Errorf("info on a repo file: %v", err)
	}
}

func TestHpkgList(t *testing.T) {
	out, _, err := runKiln(t, "hpkg", "list", "-a", testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"MODE             SIZE MODIFIED (UTC)      PATH\ndrwxr-xr-x          0 2019-03-04 05:58:36 apps/\n",
		"-rwxr-xr-x     153840 2019-03-04 05:58:36 apps/Tipster\n",
		"    attribute BEOS:ICON ('VICN') 544 bytes\n",
		"-rw-rw-r--       6784 2019-03-03 09:13:30 data/Tipster/tips-de.txt\n",
		"Lrwxrwxrwx          0 2019-03-04 05:58:36 data/deskbar/menu/Applications/Tipster -> ../../../../apps/Tipster\n",
		"-rw-r--r--        978 2019-03-04 05:58:36 .PackageInfo\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n") - strings.Count(out, "    attribute ") - 1; n != 17 {
		t.Errorf("%d entries, want 17", n)
	}
}

func TestHpkgCreateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for _, d := range []string{"bin", "data/licenses"} {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	info := `name demo
version 1.0-1
architecture x86_64
summary "A demo"
description "Demo package."
packager "kiln <kiln@example.com>"
vendor "Haiku Project"
licenses { "MIT" }
copyrights { "2026 kiln" }
provides { demo = 1.0-1 cmd:demo }
requires { haiku >= r1~beta4 }
`
	files := map[string]string{".PackageInfo": info, "bin/demo": "#!/bin/sh\necho demo\n", "data/licenses/MIT": strings.Repeat("MIT license text\n", 100)}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Chmod(filepath.Join(src, "bin/demo"), 0o755)
	if err := os.Symlink("bin/demo", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	for _, zstd := range []bool{false, true} {
		out := filepath.Join(dir, "demo.hpkg")
		args := []string{"hpkg", "create", "--dir", src, "-o", out}
		if zstd {
			args = append(args, "--zstd")
		}
		if _, _, err := runKiln(t, args...); err != nil {
			t.Fatal(err)
		}
		stdout, _, err := runKiln(t, "hpkg", "info", "--json", out)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Name, Version, Architecture string
			Format                      struct{ Compression string }
		}
		json.Unmarshal([]byte(stdout), &got)
		wantComp := map[bool]string{false: "zlib", true: "zstd"}[zstd]
		if got.Name != "demo" || got.Version != "1.0-1" || got.Architecture != "x86_64" || got.Format.Compression != wantComp {
			t.Errorf("info after create: %+v", got)
		}
		list, _, err := runKiln(t, "hpkg", "list", out)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{" bin/\n", fmt.Sprintf("-rwxr-xr-x %10d ", len(files["bin/demo"])), " bin/demo\n", " data/licenses/MIT\n", " link -> bin/demo\n", fmt.Sprintf("-rw-r--r-- %10d ", len(info))} {
			if !strings.Contains(list, want) {
				t.Errorf("list lacks %q:\n%s", want, list)
			}
		}
	}
	if _, _, err := runKiln(t, "hpkg", "create", "--dir", filepath.Join(dir, "missing"), "-o", filepath.Join(dir, "x.hpkg")); err == nil {
		t.Error("create from a missing directory succeeded")
	}
}

func TestHpkgVerify(t *testing.T) {
	good := testenv.Fixture(t, "hpkg/tipster-1.1.1-1-x86_64.hpkg")
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// The corrupt package: 4 bytes of 0xff at offset 30000.
	copy(b[30000:], []byte{0xff, 0xff, 0xff, 0xff})
	bad := filepath.Join(t.TempDir(), "c.hpkg")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runKiln(t, "hpkg", "verify", good)
	if err != nil || !strings.Contains(out, good+": ok (tipster-1.1.1-1-x86_64.hpkg, 17 entries, 49334 bytes)") {
		t.Errorf("good package: %v\n%s", err, out)
	}
	// info and list do not read the damaged chunk; verify does.
	if _, _, err := runKiln(t, "hpkg", "info", bad); err != nil {
		t.Fatalf("hpkg info of the damaged package: %v (the damage was meant to be outside what info reads)", err)
	}
	out, _, err = runKiln(t, "hpkg", "verify", good, bad, filepath.Join(t.TempDir(), "missing.hpkg"))
	if err == nil || !strings.Contains(err.Error(), "2 of 3 package files invalid") {
		t.Errorf("bad packages: err %v", err)
	}
	if !strings.Contains(out, bad+": hpkg: invalid format: heap chunk 1 of 3 at offset 21156: zlib") || !strings.Contains(out, "missing.hpkg: open") {
		t.Errorf("output:\n%s", out)
	}
	if _, _, err := runKiln(t, "hpkg", "verify"); err == nil {
		t.Error("no file: no error")
	}
	// Damage in the chunk holding the TOC and the package attributes (the
	// last one) is seen by info and list too.
	b, _ = os.ReadFile(good)
	b[len(b)-10] ^= 0xff
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"info", "list", "verify"} {
		if _, _, err := runKiln(t, "hpkg", cmd, bad); err == nil {
			t.Errorf("hpkg %s of a package with a damaged last chunk: no error", cmd)
		}
	}
}
