package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/builder/ssh/sshtest"
	gossh "golang.org/x/crypto/ssh"
)

// TestBuilderCheck runs "kiln builder check" against real sshd servers:
// builders in lockstep, builders whose haikuporter versions differ, a
// builder whose host key is unknown, and a name that is not configured.
func TestBuilderCheck(t *testing.T) {
	sshtest.Skip(t)
	key := sshtest.NewKey(t)
	srv := sshtest.Start(t, sshtest.Options{Authorized: []sshtest.Key{key}})
	unknown := sshtest.Start(t, sshtest.Options{Authorized: []sshtest.Key{key}})
	home := t.TempDir()
	dir := filepath.Join(home, "builders")
	os.MkdirAll(dir, 0o755)
	hp := func(name, version string) string {
		p := filepath.Join(home, name, "haikuporter")
		os.MkdirAll(filepath.Join(home, name, "haikuports/packages/.cache"), 0o755)
		os.WriteFile(p, []byte("#!/bin/sh\necho 'haikuporter "+version+"'\n"), 0o755)
		return p
	}
	builderFile := func(name string, s *sshtest.Server, version string) {
		js := `{"name":"` + name + `","portstree":{"path":"` + filepath.Join(home, name, "haikuports") + `"},
 "haikuporter":{"path":"` + hp(name, version) + `"},
 "ssh":{"host":"127.0.0.1","port":"` + strconv.Itoa(s.Port) + `","user":"` + s.User + `","privateKey":"` + key.Base64() + `"}}`
		os.WriteFile(filepath.Join(dir, name+".json"), []byte(js), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(srv.KnownHostsLine(srv.Addr())+"\n"), 0o600)
	builderFile("alpha", srv, "1.2.9")
	builderFile("beta", srv, "1.2.9")
	os.WriteFile(filepath.Join(home, "alpha/haikuports/packages/.cache/x-1-1-x86_64.hpkg"), make([]byte, 2048), 0o644)

	out, errOut, err := runKiln(t, "builder", "check", "--all", "--builders", dir)
	if err != nil {
		t.Fatalf("check --all: %v\n%s%s", err, out, errOut)
	}
	for _, want := range []string{"alpha: ok", "beta: ok", gossh.FingerprintSHA256(srv.HostKey.Public),
		"1 package, 2.0 KiB", `haikuporter: "haikuporter 1.2.9" on every reachable builder (2 builders)`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	builderFile("beta", srv, "1.2.8")
	out, _, err = runKiln(t, "builder", "check", "alpha", "beta", "--builders", dir, "--json")
	if exitCode(err) != 1 || !strings.Contains(err.Error(), "haikuporter versions differ") {
		t.Errorf("differing versions: exit %d, %v", exitCode(err), err)
	}
	var js struct {
		Builders []struct {
			Name, Haikuporter, Error string
		}
		Match    bool `json:"haikuporterVersionsMatch"`
		Versions []struct {
			Version  string
			Builders []string
		} `json:"haikuporterVersions"`
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || js.Match || len(js.Builders) != 2 || js.Builders[1].Haikuporter != "haikuporter 1.2.8" ||
		len(js.Versions) != 2 || js.Versions[0].Version != "haikuporter 1.2.8" || js.Versions[0].Builders[0] != "beta" {
		t.Errorf("JSON %s (%v)", out, err)
	}

	builderFile("beta", srv, "1.2.9")
	builderFile("gamma", unknown, "1.2.9")
	out, _, err = runKiln(t, "builder", "check", "--all", "--builders", dir)
	if exitCode(err) != 1 || !strings.Contains(out, "gamma: FAILED: ") || !strings.Contains(out, "is not in") || !strings.Contains(out, "alpha: ok") {
		t.Errorf("unknown host key: exit %d, %v\n%s", exitCode(err), err, out)
	}

	_, _, err = runKiln(t, "builder", "check", "alpah", "--builders", dir)
	if err == nil || !strings.Contains(err.Error(), `no builder named "alpah"`) {
		t.Errorf("a misspelt name: %v", err)
	}
	_, _, err = runKiln(t, "builder", "check", "--builders", dir)
	if exitCode(err) != 2 {
		t.Errorf("no names and no --all: exit %d, %v", exitCode(err), err)
	}
}
