package doctor_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/haikuports/kiln/internal/builder/ssh/sshtest"
	"github.com/haikuports/kiln/internal/doctor"
	"github.com/haikuports/kiln/internal/store"
	gossh "golang.org/x/crypto/ssh"
)

// TestBuilderHostKey: SSH builders on a real sshd, checked as `kiln
// builder check` does: with the right known_hosts line the builder is
// green; with another key in known_hosts for its address the builder's
// check fails naming the host key and known_hosts, the others pass.
func TestBuilderHostKey(t *testing.T) {
	sshtest.Skip(t)
	key := sshtest.NewKey(t)
	srv := sshtest.Start(t, sshtest.Options{Authorized: []sshtest.Key{key}})
	home := t.TempDir()
	dir := filepath.Join(home, "builders")
	if err := os.MkdirAll(filepath.Join(home, "haikuports/packages/.cache"), 0o755); err != nil {
		t.Fatal(err)
	}
	hp := filepath.Join(home, "haikuporter")
	os.WriteFile(hp, []byte("#!/bin/sh\necho 'haikuporter 1.2.9'\n"), 0o755)
	os.WriteFile(filepath.Join(home, "haikuports/packages/.cache/x-1-1-x86_64.hpkg"), make([]byte, 2048), 0o644)
	os.MkdirAll(dir, 0o755)
	js := `{"name":"builder_x86_64_1","portstree":{"path":"` + filepath.Join(home, "haikuports") + `"},
 "haikuporter":{"path":"` + hp + `"},
 "ssh":{"host":"127.0.0.1","port":"` + strconv.Itoa(srv.Port) + `","user":"` + srv.User + `","privateKey":"` + key.Base64() + `"}}`
	if err := os.WriteFile(filepath.Join(dir, "builder_x86_64_1.json"), []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	knownHosts := filepath.Join(dir, "known_hosts")
	cfg := healthyConfig(t)
	cfg.Store.URL = t.TempDir()
	cfg.Builders.Dir, cfg.Builders.KnownHosts = dir, knownHosts
	st, err := store.OpenFile(cfg.Store.URL)
	if err != nil {
		t.Fatal(err)
	}

	os.WriteFile(knownHosts, []byte(srv.KnownHostsLine(srv.Addr())+"\n"), 0o600)
	results := runDoctor(t, cfg, doctor.Options{}, st)
	want(t, results, "builder builder_x86_64_1", doctor.OK, gossh.FingerprintSHA256(srv.HostKey.Public), "haikuporter 1.2.9", "1 cached package (2048 bytes)")
	want(t, results, "builder mock-1", doctor.OK)
	// The mock builders run another haikuporter than the real one.
	want(t, results, "builders in lockstep", doctor.Fail, "versions differ", `"haikuporter 1.2.9" (builder_x86_64_1)`)

	impostor := sshtest.NewKey(t)
	os.WriteFile(knownHosts, []byte(sshtest.KnownHostsLine(srv.Addr(), impostor.Public)+"\n"), 0o600)
	results = runDoctor(t, cfg, doctor.Options{}, st)
	want(t, results, "builder builder_x86_64_1", doctor.Fail, "host key", gossh.FingerprintSHA256(srv.HostKey.Public),
		"replace its line in "+knownHosts)
	want(t, results, "builder mock-1", doctor.OK)
	want(t, results, "store write", doctor.OK)
}
