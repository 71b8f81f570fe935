package main

import (
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"

	"github.com/haikuports/kiln/internal/testenv"
)

// TestDoctorDemo: without a config, kiln doctor checks the built-in demo
// as kiln serve would run it, all green on a fresh machine; --json prints
// the same results for scripts.
func TestDoctorDemo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "kiln-data")
	out, errOut, err := runKiln(t, "doctor", "--data", data)
	if err != nil {
		t.Fatalf("doctor: %v\n%s%s", err, out, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines[:len(lines)-1] {
		if !strings.HasPrefix(l, "ok    ") {
			t.Errorf("not ok: %s", l)
		}
	}
	for _, w := range []string{"config ", "store create-if-absent ", "builder mock-1 ", "tree ", "built-in demo in " + data} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "all ") || !strings.HasSuffix(last, " checks passed") {
		t.Errorf("last line %q", last)
	}

	out, _, err = runKiln(t, "doctor", "--data", data, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rs []struct{ Name, Status, Detail, Fix string }
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != len(lines)-1 {
		t.Fatalf("JSON (%d results, %d lines): %v\n%s", len(rs), len(lines)-1, err, out)
	}
	if rs[0].Name != "config" || rs[0].Status != "ok" {
		t.Errorf("first result %+v", rs[0])
	}

	if _, _, err := runKiln(t, "doctor", "extra"); exitCode(err) != 2 {
		t.Errorf("an argument: exit %d (%v), want 2", exitCode(err), err)
	}
}

// TestDoctorBrokenConfig: a config with a mistake fails the config check
// naming the key (and its position in the file), with the fix hint, and
// exits 1 without checking anything else.
func TestDoctorBrokenConfig(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, toml string
		want       []string
	}{
		{"unknown key", "[store]\nurll = \"./store\"\n", []string{"kiln.toml:2:1: store.urll: unknown key"}},
		{"bad value", "[store]\nurl = \"./store\"\n[tree]\npath = \".\"\n[[target]]\nbranch = \"master\"\narch = \"x86_64\"\n[[builders.mock]]\n[build]\npublish = \"sometimes\"\n",
			[]string{"build.publish", `"sometimes"`}},
		{"missing file", "", []string{"no such file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(dir, "kiln.toml")
			os.Remove(f)
			if tc.toml != "" {
				if err := os.WriteFile(f, []byte(tc.toml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			out, _, err := runKiln(t, "doctor", "--config", f)
			if exitCode(err) != 1 || !strings.Contains(err.Error(), "1 check failed") {
				t.Errorf("exit %d, %v", exitCode(err), err)
			}
			if !strings.HasPrefix(out, "FAIL  config ") || strings.Count(out, "\n") != 2 || !strings.Contains(out, "fix: ") {
				t.Errorf("output:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestSignKeyConfigured: a target's sign_key signs what kiln build
// publishes (repo verify --pubkey passes) and kiln doctor checks it; a
// key that does not load stops kiln build (status 2) and fails the
// doctor's check, both naming the key.
func TestSignKeyConfigured(t *testing.T) {
	e := newBuildEnv(t, "")
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := priv.MarshalText()
	pubText, _ := pub.MarshalText()
	testenv.WriteFile(t, e.dir, "sign.key", string(text))
	testenv.WriteFile(t, e.dir, "sign.pub", string(pubText))
	cfg, _ := os.ReadFile(e.config)
	signed := strings.Replace(string(cfg), `repo_info = "repo.info"`, `repo_info = "repo.info"`+"\nsign_key = \"sign.key\"", 1)
	testenv.WriteFile(t, e.dir, "kiln.toml", signed)

	out, errOut, err := runKiln(t, "doctor", "-c", e.config)
	if err != nil || !strings.Contains(out, "ok    sign key master/x86_64 ") || !strings.Contains(out, pub.String()) {
		t.Fatalf("doctor: %v\n%s%s", err, out, errOut)
	}
	if out, errOut, err := runKiln(t, "build", "-c", e.config, "--mode", "everything"); err != nil {
		t.Fatalf("build: %v\n%s%s", err, out, errOut)
	}
	if out, _, err := runKiln(t, "repo", "verify", "--store", e.store, "--pubkey", filepath.Join(e.dir, "sign.pub")); err != nil {
		t.Fatalf("verify --pubkey: %v\n%s", err, out)
	}
	out, _, err = runKiln(t, "doctor", "-c", e.config)
	if err != nil || !strings.Contains(out, "ok    target master/x86_64     opens; head ") || !strings.Contains(out, "8 packages, published ") || !strings.Contains(out, ", signed\n") || !strings.Contains(out, "lists: kiln targets master/x86_64\n") {
		t.Errorf("doctor after the build: %v\n%s", err, out)
	}
	// Without the key, the signed head warns: the next publish drops it.
	testenv.WriteFile(t, e.dir, "kiln.toml", string(cfg))
	out, _, err = runKiln(t, "doctor", "-c", e.config)
	if err != nil || !strings.Contains(out, "warn  target master/x86_64 ") || !strings.Contains(out, "next publish will not be signed") {
		t.Errorf("doctor without the key: %v\n%s", err, out)
	}
	testenv.WriteFile(t, e.dir, "kiln.toml", signed)

	testenv.WriteFile(t, e.dir, "sign.key", "not a key\n")
	out, _, err = runKiln(t, "doctor", "-c", e.config)
	if exitCode(err) != 1 || !strings.Contains(out, "FAIL  sign key master/x86_64 ") || !strings.Contains(out, "sign_key") {
		t.Errorf("doctor with a bad key: exit %d\n%s", exitCode(err), out)
	}
	_, _, err = runKiln(t, "build", "-c", e.config)
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "target master/x86_64: sign_key") {
		t.Errorf("build with a bad key: exit %d, %v", exitCode(err), err)
	}
}
