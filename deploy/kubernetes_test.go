// Package deploy holds the deployment files (deploy/kubernetes,
// deploy/systemd) and the tests that keep them true to kiln's config.
package deploy

import (
	"crypto/rand"

	"aead.dev/minisign"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/image"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// obj is a decoded manifest.
type obj = map[string]any

// get walks a decoded manifest by keys and list indexes.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(obj)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func str(v any, path ...any) string { s, _ := get(v, path...).(string); return s }
func list(v any, path ...any) []any { l, _ := get(v, path...).([]any); return l }

// manifests decodes every document of deploy/kubernetes/*.yaml by
// "Kind/name".
func manifests(t *testing.T) map[string]obj {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	all := map[string]obj{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		for {
			var o obj
			if err := dec.Decode(&o); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if str(o, "apiVersion") == "" || str(o, "kind") == "" || str(o, "metadata", "name") == "" {
				t.Fatalf("%s: a document without apiVersion, kind or metadata.name", f)
			}
			all[str(o, "kind")+"/"+str(o, "metadata", "name")] = o
		}
	}
	return all
}

// fakeSecrets are test values for the Secrets' keys, in the formats kiln
// checks.
var fakeSecrets = map[string]map[string]string{
	"kiln-store":   {"credentials": "[default]\naws_access_key_id = AKIDTEST\naws_secret_access_key = test\n"},
	"kiln-webhook": {"secret": "0123456789abcdef0123456789abcdef\n"},
	"kiln-tokens": {
		"ci":    "sha256:" + strings.Repeat("ab", 32) + "\n",
		"admin": "sha256:" + strings.Repeat("cd", 32) + "\n",
	},
	"kiln-notify":   {"haikudepot": "https://depot.example.org/__repository/haikuports/source/haikuports_x86_64/import?token=t\n"},
	"kiln-builders": {"known_hosts": "builder.example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n"},
}

// TestKubernetes: the manifests parse; the Deployment runs two replicas
// with no volume claim, probes /healthz and /readyz, runs as non-root with
// requests set; the Service reaches its port; and, with the pod's files
// laid out as the mounts put them (the ConfigMap's keys, the Secrets' keys,
// the emptyDirs), the ConfigMap's kiln.toml with the container's KILN_
// variables parses strictly, every file it names is mounted there, and
// every target signs with the key the kiln-signing Secret mounts (it loads).
func TestKubernetes(t *testing.T) {
	fakeSecrets["kiln-signing"] = signingSecret(t, "x86_64")
	m := manifests(t)
	d, ok := m["Deployment/kiln"]
	if !ok {
		t.Fatal("no Deployment kiln")
	}
	if get(d, "spec", "replicas") != 2 {
		t.Errorf("replicas %v, want 2", get(d, "spec", "replicas"))
	}
	if get(d, "spec", "volumeClaimTemplates") != nil {
		t.Error("volumeClaimTemplates")
	}
	pod := get(d, "spec", "template", "spec")
	labels, _ := get(d, "spec", "template", "metadata", "labels").(obj)
	for k, v := range get(d, "spec", "selector", "matchLabels").(obj) {
		if labels[k] != v {
			t.Errorf("selector %s=%v does not match the pod's labels", k, v)
		}
	}
	if get(pod, "securityContext", "runAsNonRoot") != true || get(pod, "securityContext", "runAsUser") == 0 {
		t.Error("the pod does not run as non-root")
	}
	// The image's files (its home, /etc/passwd) are the image's user's.
	if get(pod, "securityContext", "runAsUser") != image.UID || get(pod, "securityContext", "runAsGroup") != image.UID {
		t.Errorf("the pod runs as %v:%v, the image's user is %d:%d (internal/image)",
			get(pod, "securityContext", "runAsUser"), get(pod, "securityContext", "runAsGroup"), image.UID, image.UID)
	}
	cs := list(pod, "containers")
	if len(cs) != 1 {
		t.Fatalf("%d containers", len(cs))
	}
	c := cs[0]
	if get(c, "securityContext", "allowPrivilegeEscalation") != false || get(c, "securityContext", "readOnlyRootFilesystem") != true ||
		str(c, "securityContext", "capabilities", "drop", 0) != "ALL" {
		t.Error("container securityContext: want no privilege escalation, a read-only root and no capabilities")
	}
	if str(c, "resources", "requests", "cpu") == "" || str(c, "resources", "requests", "memory") == "" {
		t.Error("resource requests not set")
	}
	ports := map[string]bool{}
	for _, p := range list(c, "ports") {
		ports[str(p, "name")] = true
	}
	for probe, path := range map[string]string{"livenessProbe": "/healthz", "readinessProbe": "/readyz"} {
		if str(c, probe, "httpGet", "path") != path || !ports[str(c, probe, "httpGet", "port")] {
			t.Errorf("%s: %v, want GET %s on a container port", probe, get(c, probe), path)
		}
	}
	svc, ok := m["Service/kiln"]
	if !ok {
		t.Fatal("no Service kiln")
	}
	for k, v := range get(svc, "spec", "selector").(obj) {
		if labels[k] != v {
			t.Errorf("Service selector %s=%v does not match the pod's labels", k, v)
		}
	}
	for _, p := range list(svc, "spec", "ports") {
		if !ports[str(p, "targetPort")] {
			t.Errorf("Service port %v: targetPort is no container port", p)
		}
	}

	// The pod's files.
	root := t.TempDir()
	volumes := map[string]any{}
	for _, v := range list(pod, "volumes") {
		if get(v, "persistentVolumeClaim") != nil {
			t.Errorf("volume %s is a PersistentVolumeClaim", str(v, "name"))
		}
		volumes[str(v, "name")] = v
	}
	var mounts, writable []string
	for _, vm := range list(c, "volumeMounts") {
		v, ok := volumes[str(vm, "name")]
		if !ok {
			t.Fatalf("mount of unknown volume %q", str(vm, "name"))
		}
		mp := str(vm, "mountPath")
		mounts = append(mounts, mp)
		dir := filepath.Join(root, mp)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		write := func(name, data string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		switch {
		case get(v, "emptyDir") != nil:
			writable = append(writable, mp)
		case get(v, "configMap") != nil:
			cm, ok := m["ConfigMap/"+str(v, "configMap", "name")]
			if !ok {
				t.Fatalf("volume %s: no ConfigMap %s", str(v, "name"), str(v, "configMap", "name"))
			}
			for _, it := range list(v, "configMap", "items") {
				data, ok := get(cm, "data", str(it, "key")).(string)
				if !ok {
					t.Fatalf("ConfigMap %s has no key %s", str(cm, "metadata", "name"), str(it, "key"))
				}
				write(str(it, "path"), data)
			}
		case get(v, "secret") != nil:
			name := str(v, "secret", "secretName")
			fake, ok := fakeSecrets[name]
			if !ok {
				t.Fatalf("Secret %s: no test values (add them to fakeSecrets)", name)
			}
			items := list(v, "secret", "items")
			if items == nil {
				for k, data := range fake {
					write(k, data)
				}
			}
			for _, it := range items {
				data, ok := fake[str(it, "key")]
				if !ok {
					t.Fatalf("Secret %s key %s: no test value", name, str(it, "key"))
				}
				write(str(it, "path"), data)
			}
		default:
			t.Errorf("volume %s: only configMap, secret and emptyDir volumes expected", str(v, "name"))
		}
	}

	var env []string
	cfgPath := ""
	for _, e := range list(c, "env") {
		env = append(env, str(e, "name")+"="+str(e, "value"))
		if str(e, "name") == "KILN_CONFIG" {
			cfgPath = str(e, "value")
		}
	}
	if cfgPath == "" {
		t.Fatal("no KILN_CONFIG in the container's env")
	}
	cfg := loadMounted(t, root, cfgPath, mounts, env)
	checkFiles(t, root, cfg, writable)
	checkSecretsDocumented(t, volumes)
	for _, tg := range cfg.Targets {
		if tg.SignKey == "" {
			t.Errorf("target %s publishes unsigned (no sign_key from a Secret)", tg.Name())
		}
	}
}

// loadMounted reads the config at path below root (as the pod sees it)
// with every absolute path below a mount moved below root, then parses it
// strictly with env as kiln's environment.
func loadMounted(t *testing.T, root, path string, mounts, env []string) *config.Config {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatalf("the config %s is not a mounted file: %v", path, err)
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	text := string(b)
	for _, mp := range mounts {
		text = strings.ReplaceAll(text, "="+mp+"/", "="+filepath.Join(root, mp)+"/") // in URL queries
		text = strings.ReplaceAll(text, `"`+mp, `"`+filepath.Join(root, mp))
	}
	if err := os.WriteFile(filepath.Join(root, path), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.ParseEnv(filepath.Join(root, path), []byte(text), env)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg
}

// checkFiles: every file the config names exists below root, every
// directory kiln writes is below a writable mount.
func checkFiles(t *testing.T, root string, c *config.Config, writable []string) {
	t.Helper()
	below := func(p string, dirs []string) bool {
		for _, d := range dirs {
			if p == filepath.Join(root, d) || strings.HasPrefix(p, filepath.Join(root, d)+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	exists := func(key, p string) {
		if p == "" {
			return
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %s is not mounted: %v", key, strings.TrimPrefix(p, root), err)
		}
	}
	exists("builders.dir", c.Builders.Dir)
	exists("builders.known_hosts", c.Builders.KnownHosts)
	exists("tree.path", c.Tree.Path)
	for i, tg := range c.Targets {
		exists("target.sign_key", tg.SignKey)
		exists("target.sign_key_password_file", tg.SignKeyPasswordFile)
		if _, err := tg.Signer(); err != nil {
			t.Errorf("target[%d]: %v", i, err)
		}
		exists("target.repo_info", tg.RepoInfo)
		exists("target.system_packages", tg.SystemPackages)
		if tg.RepoInfo != "" {
			f, err := os.Open(tg.RepoInfo)
			if err == nil {
				_, err = pkginfo.ParseRepositoryInfo(f, tg.RepoInfo)
				f.Close()
			}
			if err != nil {
				t.Errorf("target[%d].repo_info: %v", i, err)
			}
		}
	}
	if _, q, ok := strings.Cut(c.Store.URL, "secret-file="); ok {
		p, _, _ := strings.Cut(q, "&")
		exists("store.url secret-file", p)
	}
	for key, p := range map[string]string{"tree.clone_dir": c.Tree.CloneDir, "tree.cache": c.Tree.Cache, "dock.temp_dir": c.Dock.TempDir} {
		if p != "" && !below(p, writable) {
			t.Errorf("%s: %s is not on a writable (emptyDir) mount", key, strings.TrimPrefix(p, root))
		}
	}
	if c.Tree.URL != "" && c.Tree.CloneDir == "" {
		t.Error("tree.clone_dir unset: the clone would not be on the emptyDir")
	}
}

// checkSecretsDocumented: docs/kubernetes.md creates every Secret the
// Deployment mounts, with each of its keys.
func checkSecretsDocumented(t *testing.T, volumes map[string]any) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "kubernetes.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, v := range volumes {
		name := str(v, "secret", "secretName")
		if name == "" {
			continue
		}
		if !strings.Contains(doc, "kubectl create secret generic "+name+" ") {
			t.Errorf("docs/kubernetes.md does not create Secret %s", name)
		}
		for _, it := range list(v, "secret", "items") {
			if !strings.Contains(doc, "--from-file="+str(it, "key")+"=") {
				t.Errorf("docs/kubernetes.md: Secret %s lacks key %s", name, str(it, "key"))
			}
		}
	}
}

// signingSecret returns the kiln-signing Secret's keys for arch: a new
// minisign private key encrypted with a password, and the password.
func signingSecret(t *testing.T, arch string) map[string]string {
	t.Helper()
	_, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery staple"
	key, err := minisign.EncryptKey(password, priv)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{arch + ".key": string(key), arch + ".password": password + "\n"}
}
