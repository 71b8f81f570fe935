package doctor_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/haikuports/kiln/internal/builder/ondemand"
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

// TestBuilderDown: a builder nobody answers for fails with the hint to
// check that it is up (the ssh command line to try); an on-demand one
// only warns, since kiln starts it when builds are queued.
func TestBuilderDown(t *testing.T) {
	key := sshtest.NewKey(t)
	dir := filepath.Join(t.TempDir(), "builders")
	os.MkdirAll(dir, 0o755)
	for _, name := range []string{"down", "sleepy"} {
		js := `{"name":"` + name + `","portstree":{"path":"/boot/home/haikuports"},
 "ssh":{"host":"127.0.0.1","port":"1","user":"user","privateKey":"` + key.Base64() + `"}}`
		os.WriteFile(filepath.Join(dir, name+".json"), []byte(js), 0o600)
	}
	os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(sshtest.KnownHostsLine("127.0.0.1:1", key.Public)+"\n"), 0o600)
	cfg := healthyConfig(t)
	cfg.Store.URL = t.TempDir()
	cfg.Builders.Dir, cfg.Builders.KnownHosts = dir, filepath.Join(dir, "known_hosts")
	cfg.Builders.OnDemand = map[string]ondemand.Settings{"sleepy": {Start: []string{"true"}}}
	st, err := store.OpenFile(cfg.Store.URL)
	if err != nil {
		t.Fatal(err)
	}
	results := runDoctor(t, cfg, doctor.Options{}, st)
	want(t, results, "builder down", doctor.Fail, "connection refused", "ssh -p 1 user@127.0.0.1 uname -a")
	want(t, results, "builder sleepy", doctor.Warn, "connection refused", "on-demand")
	want(t, results, "builder mock-1", doctor.OK)
	want(t, results, "target master/x86_64", doctor.OK)
}
