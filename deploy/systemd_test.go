package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unit reads a systemd unit file: section → key → values (a key may
// repeat, e.g. Environment=).
func unit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = strings.Trim(line, "[]")
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not a key=value line in a section: %q", path, n, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSystemd: kiln.service has the hardening options, runs as its own
// user with state and cache directories, and its ExecStart reads the
// config in its ConfigurationDirectory; that config (deploy/systemd/
// kiln.toml) parses strictly with the unit's KILN_ variables and writes
// only below the state and cache directories.
func TestSystemd(t *testing.T) {
	u := unit(t, filepath.Join("systemd", "kiln.service"))
	svc := u["Service"]
	for k, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectControlGroups": "yes", "RestrictNamespaces": "yes", "RestrictSUIDSGID": "yes",
		"LockPersonality": "yes", "MemoryDenyWriteExecute": "yes", "CapabilityBoundingSet": "",
		"StateDirectory": "kiln", "CacheDirectory": "kiln", "ConfigurationDirectory": "kiln",
		"User": "kiln", "KillSignal": "SIGTERM", "Restart": "on-failure",
	} {
		if got := svc[k]; len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s=%v, want %q", k, got, want)
		}
	}
	if len(u["Install"]["WantedBy"]) == 0 {
		t.Error("no [Install] WantedBy")
	}
	exec0 := strings.Fields(strings.Join(svc["ExecStart"], " "))
	cfgPath := ""
	for i, a := range exec0 {
		if a == "--config" && i+1 < len(exec0) {
			cfgPath = exec0[i+1]
		}
	}
	if len(exec0) < 2 || exec0[1] != "serve" || cfgPath != "/etc/"+svc["ConfigurationDirectory"][0]+"/kiln.toml" {
		t.Fatalf("ExecStart=%v: want kiln serve --config /etc/<ConfigurationDirectory>/kiln.toml", exec0)
	}
	var env []string
	for _, e := range svc["Environment"] {
		env = append(env, strings.Trim(e, `"`))
	}

	// The VM's files: the config as installed, its secrets, the
	// service's directories.
	root := t.TempDir()
	state := "/var/lib/" + svc["StateDirectory"][0]
	cache := "/var/cache/" + svc["CacheDirectory"][0]
	etc := filepath.Dir(cfgPath)
	files := map[string]string{
		"secrets/github-webhook": fakeSecrets["kiln-webhook"]["secret"],
		"secrets/token-admin":    fakeSecrets["kiln-tokens"]["admin"],
		"builders/known_hosts":   fakeSecrets["kiln-builders"]["known_hosts"],
		"repo.info.x86_64":       "name \"HaikuPorts\"\nvendor \"Haiku Project\"\nsummary \"s\"\npriority 1\nbaseurl \"https://example.org/\"\nidentifier \"tag:example.org,2026:x\"\narchitecture \"x86_64\"\n",
	}
	for name, data := range files {
		p := filepath.Join(root, etc, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{state, cache} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(filepath.Join("systemd", "kiln.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, cfgPath), b, 0o600); err != nil {
		t.Fatal(err)
	}
	c := loadMounted(t, root, cfgPath, []string{etc, state, cache}, env)
	checkFiles(t, root, c, []string{state, cache})
	if !strings.HasPrefix(c.Store.URL, filepath.Join(root, state)) {
		t.Errorf("store.url %s: want the directory store in the StateDirectory", c.Store.URL)
	}
}

// TestSystemdAnalyze: systemd itself knows every option of the unit
// (when systemd-analyze is installed).
func TestSystemdAnalyze(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze")
	}
	out, _ := exec.Command(sa, "verify", filepath.Join("systemd", "kiln.service")).CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "Unknown key") || strings.Contains(line, "Unknown section") ||
			strings.Contains(line, "Failed to parse") || strings.Contains(line, "Invalid") {
			t.Errorf("systemd-analyze verify: %s", line)
		}
	}
	t.Logf("systemd-analyze verify:\n%s", out)
}
