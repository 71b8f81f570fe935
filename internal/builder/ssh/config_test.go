package ssh

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/ssh/sshtest"
)

// sample is config-samples/builder-sample.json's shape with a real key.
func sample(key string) string {
	return `{"name":"builder_riscv64",
 "portstree":{"path":"/boot/home/haikuports"},
 "haikuporter":{"path":"/boot/home/haikuporter/haikuporter","args":"-j1"},
 "ssh":{"host":"h","port":"2222","user":"user","privateKey":"` + key + `",
        "jump":{"host":"j","user":"u","privateKey":"` + key + `"}}}`
}

func TestParseConfig(t *testing.T) {
	key := sshtest.NewKey(t).Base64()
	c, err := ParseConfig("b.json", []byte(sample(key)))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Name: "builder_riscv64", File: "b.json", TreePath: "/boot/home/haikuports",
		Packages: "/boot/home/haikuports/packages", Cache: "/boot/home/haikuports/packages/.cache",
		BuilderConf: "/boot/home/haikuports/builder.conf", Haikuporter: "/boot/home/haikuporter/haikuporter", Args: "-j1"}
	got := *c
	got.Host, got.Jump = Endpoint{}, nil
	if got != want {
		t.Errorf("config\n%+v\nwant\n%+v", got, want)
	}
	if c.Host.Addr() != "h:2222" || c.Host.User != "user" || c.Jump == nil || c.Jump.Addr() != "j:22" || c.Jump.User != "u" {
		t.Errorf("endpoints %+v %+v", c.Host, c.Jump)
	}
	if c.FetchURLs {
		t.Error("fetchURLs without the kiln key")
	}

	// Minimal file: HaikuPorter's defaults; numeric port; kiln's key.
	c, err = ParseConfig("m.json", []byte(`{"name":"m","portstree":{"path":"/t","packagesPath":"/p","builderConfig":"/c.conf"},
		"ssh":{"host":"10.0.0.1","port":22022,"user":"u","privateKey":"`+key+`"},"kiln":{"fetchURLs":true},"other":1}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Haikuporter != "haikuporter" || c.Args != "" || c.Packages != "/p" || c.Cache != "/p/.cache" ||
		c.BuilderConf != "/c.conf" || c.Host.Port != 22022 || c.Jump != nil || !c.FetchURLs {
		t.Errorf("minimal config %+v", c)
	}
}

func TestParseConfigErrors(t *testing.T) {
	key := sshtest.NewKey(t).Base64()
	rsa := "LS0tLS1CRUdJTiBPUEVOU1NIIFBSSVZBVEUgS0VZLS0tLS0K" // not a whole key
	for _, tc := range []struct {
		name, json, want string
	}{
		{"not json", `{"name":`, "b.json: unexpected EOF"},
		{"trailing", `{"name":"x"} {}`, "data after the JSON object"},
		{"no name", `{"ssh":{}}`, "b.json: name: missing"},
		{"no ssh", `{"name":"x"}`, "b.json: ssh: missing"},
		{"no host", `{"name":"x","ssh":{"user":"u","privateKey":"` + key + `"}}`, "ssh.host: missing"},
		{"no user", `{"name":"x","ssh":{"host":"h","privateKey":"` + key + `"}}`, "ssh.user: missing"},
		{"no key", `{"name":"x","ssh":{"host":"h","user":"u"}}`, "ssh.privateKey: missing"},
		{"bad base64", `{"name":"x","ssh":{"host":"h","user":"u","privateKey":"!!"}}`, "ssh.privateKey: not base64"},
		{"bad key", `{"name":"x","ssh":{"host":"h","user":"u","privateKey":"` + rsa + `"}}`, "ssh.privateKey: not an OpenSSH private key"},
		{"bad port", `{"name":"x","ssh":{"host":"h","port":"ssh","user":"u","privateKey":"` + key + `"}}`, `ssh.port: "ssh" is not a port number`},
		{"port range", `{"name":"x","ssh":{"host":"h","port":70000,"user":"u","privateKey":"` + key + `"}}`, "ssh.port: 70000"},
		{"jump user", `{"name":"x","ssh":{"host":"h","user":"u","privateKey":"` + key + `","jump":{"host":"j","privateKey":"` + key + `"}}}`, "ssh.jump.user: missing"},
		{"no portstree", `{"name":"x","ssh":{"host":"h","user":"u","privateKey":"` + key + `"}}`, "portstree: missing"},
		{"no path", `{"name":"x","portstree":{},"ssh":{"host":"h","user":"u","privateKey":"` + key + `"}}`, "portstree.path: missing"},
		{"quote in path", `{"name":"x","portstree":{"path":"/a\"b"},"ssh":{"host":"h","user":"u","privateKey":"` + key + `"}}`, "portstree.path"},
		{"name", `{"name":"a/b","portstree":{"path":"/t"},"ssh":{"host":"h","user":"u","privateKey":"` + key + `"}}`, "name: \"a/b\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseConfig("b.json", []byte(tc.json))
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrConfig with %q", err, tc.want)
			}
		})
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	key := sshtest.NewKey(t).Base64()
	mk := func(name string) string {
		return `{"name":"` + name + `","portstree":{"path":"/t"},"ssh":{"host":"h","user":"u","privateKey":"` + key + `"}}`
	}
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(mk("b")), 0o600)
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(mk("a")), 0o600)
	os.WriteFile(filepath.Join(dir, "known_hosts"), nil, 0o600)
	cs, err := LoadDir(dir)
	if err != nil || len(cs) != 2 || cs[0].Name != "a" || cs[1].Name != "b" {
		t.Fatalf("LoadDir = %v, %v", cs, err)
	}
	os.WriteFile(filepath.Join(dir, "c.json"), []byte(mk("a")), 0o600)
	if _, err := LoadDir(dir); err == nil || !strings.Contains(err.Error(), "c.json: name: \"a\" is also the name in") {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := LoadKnownHosts(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing known_hosts was accepted")
	}
}

func TestBuilderConfAndCommands(t *testing.T) {
	c, err := ParseConfig("b.json", []byte(sample(sshtest.NewKey(t).Base64())))
	if err != nil {
		t.Fatal(err)
	}
	got := BuilderConf(c, builder.Settings{TargetArch: "x86_gcc2", SecondaryArchs: []string{"x86", "x86_64"}, CreateSourcePackages: true, AllowUnsafeSources: true})
	want := `TREE_PATH="/boot/home/haikuports"
PACKAGES_PATH="/boot/home/haikuports/packages"
PACKAGER="Builder builder_riscv64 <hpkg-builder@haiku-os.org>"
TARGET_ARCHITECTURE="x86_gcc2"
SECONDARY_TARGET_ARCHITECTURES="x86 x86_64"
ALLOW_UNTESTED="no"
ALLOW_UNSAFE_SOURCES="yes"
CREATE_SOURCE_PACKAGES="yes"
`
	if got != want {
		t.Errorf("builder.conf:\n%s\nwant\n%s", got, want)
	}
	if p := PurgeCommand(c, "zlib-1.3.1"); p != `cd "/boot/home/haikuports" && "/boot/home/haikuporter/haikuporter" --config="/boot/home/haikuports/builder.conf" --no-package-obsoletion --ignore-messages --purge "zlib-1.3.1"` {
		t.Errorf("purge: %s", p)
	}
	if b := BuildCommand(c, "zlib-1.3.1"); b != `source /boot/system/boot/SetupEnvironment && cd "/boot/home/haikuports" && "/boot/home/haikuporter/haikuporter" --config="/boot/home/haikuports/builder.conf" --no-system-packages --no-package-obsoletion --ignore-messages -j1 "zlib-1.3.1"` {
		t.Errorf("build: %s", b)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(sample(sshtest.NewKey(f).Base64())))
	f.Add([]byte(`{"name":"x","ssh":{"host":"h","port":"22","user":"u","privateKey":"AAAA"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig("f.json", data)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error without ErrConfig: %v", err)
			}
			return
		}
		if c.Name == "" || c.TreePath == "" || c.Host.Signer == nil || c.Host.Port < 1 {
			t.Fatalf("accepted an incomplete config: %+v", c)
		}
	})
}
