package ssh

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// ErrConfig is wrapped by every error about a builder JSON file.
var ErrConfig = errors.New("ssh builder: bad config")

// maxConfigSize bounds a builder JSON file (a real one is ~1 KiB).
const maxConfigSize = 1 << 20

// Config is one HaikuPorter builder JSON file (buildmaster/builders/<x>.json),
// read unchanged, with HaikuPorter's defaults applied. Kiln's own settings
// live under the extra key "kiln", which HaikuPorter ignores.
type Config struct {
	Name        string
	File        string // the file it was read from, for messages
	Host        Endpoint
	Jump        *Endpoint // nil: no jump host
	TreePath    string    // portstree.path
	Packages    string    // portstree.packagesPath, default <path>/packages
	Cache       string    // portstree.packagesCachePath, default <packagesPath>/.cache
	BuilderConf string    // portstree.builderConfig, default <path>/builder.conf
	Haikuporter string    // haikuporter.path, default "haikuporter"
	Args        string    // haikuporter.args, default ""
	// FetchURLs ("kiln":{"fetchURLs":true}): the builder downloads
	// dependencies from their presigned URLs with curl.
	FetchURLs bool
}

// Endpoint is an SSH host, port, user and its decoded Ed25519 key.
type Endpoint struct {
	Host   string
	Port   int
	User   string
	Signer gossh.Signer
}

// Addr is host:port as known_hosts and net.Dial want it.
func (e Endpoint) Addr() string {
	return strings.TrimSuffix(strings.TrimPrefix(e.Host, "["), "]") + ":" + strconv.Itoa(e.Port)
}

type rawEndpoint struct {
	Host       *string         `json:"host"`
	Port       json.RawMessage `json:"port"` // "22" or 22, as HaikuPorter takes either
	User       *string         `json:"user"`
	PrivateKey *string         `json:"privateKey"`
	Jump       *rawEndpoint    `json:"jump"`
}

type rawConfig struct {
	Name      *string      `json:"name"`
	SSH       *rawEndpoint `json:"ssh"`
	Portstree *struct {
		Path              *string `json:"path"`
		PackagesPath      *string `json:"packagesPath"`
		PackagesCachePath *string `json:"packagesCachePath"`
		BuilderConfig     *string `json:"builderConfig"`
	} `json:"portstree"`
	Haikuporter *struct {
		Path *string `json:"path"`
		Args *string `json:"args"`
	} `json:"haikuporter"`
	Kiln *struct {
		FetchURLs bool `json:"fetchURLs"`
	} `json:"kiln"`
}

// LoadConfig reads one builder JSON file.
func LoadConfig(file string) (*Config, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, file, err)
	}
	if len(data) > maxConfigSize {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes", ErrConfig, file, maxConfigSize)
	}
	return ParseConfig(file, data)
}

// ParseConfig parses the builder JSON data read from file (file only names
// it in errors). Unknown keys are ignored, as HaikuPorter ignores them.
func ParseConfig(file string, data []byte) (*Config, error) {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s: %s", ErrConfig, file, field, fmt.Sprintf(format, args...))
	}
	var raw rawConfig
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, file, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s: data after the JSON object", ErrConfig, file)
	}
	c := &Config{File: file}
	if raw.Name == nil || *raw.Name == "" {
		return nil, bad("name", "missing")
	}
	c.Name = *raw.Name
	if strings.ContainsAny(c.Name, "/\"\n") {
		return nil, bad("name", "%q contains '/', '\"' or a newline", c.Name)
	}
	if raw.SSH == nil {
		return nil, bad("ssh", "missing")
	}
	host, err := parseEndpoint(raw.SSH, "ssh", bad)
	if err != nil {
		return nil, err
	}
	c.Host = host
	if raw.SSH.Jump != nil {
		if raw.SSH.Jump.Jump != nil {
			return nil, bad("ssh.jump.jump", "nested jump hosts are not supported")
		}
		jump, err := parseEndpoint(raw.SSH.Jump, "ssh.jump", bad)
		if err != nil {
			return nil, err
		}
		c.Jump = &jump
	}
	if raw.Portstree == nil {
		return nil, bad("portstree", "missing")
	}
	pt := raw.Portstree
	if pt.Path == nil || *pt.Path == "" {
		return nil, bad("portstree.path", "missing")
	}
	c.TreePath = *pt.Path
	c.Packages = orDefault(pt.PackagesPath, c.TreePath+"/packages")
	c.Cache = orDefault(pt.PackagesCachePath, c.Packages+"/.cache")
	c.BuilderConf = orDefault(pt.BuilderConfig, c.TreePath+"/builder.conf")
	for _, fv := range [][2]string{{"portstree.path", c.TreePath}, {"portstree.packagesPath", c.Packages},
		{"portstree.packagesCachePath", c.Cache}, {"portstree.builderConfig", c.BuilderConf}} {
		field, v := fv[0], fv[1]
		// They are pasted between double quotes into shell commands, as
		// HaikuPorter does; refuse what would break out of them.
		if strings.ContainsAny(v, "\"`$\\\n") {
			return nil, bad(field, "%q contains a shell-special character", v)
		}
	}
	c.Haikuporter = "haikuporter"
	if raw.Haikuporter != nil {
		c.Haikuporter = orDefault(raw.Haikuporter.Path, "haikuporter")
		c.Args = orDefault(raw.Haikuporter.Args, "")
	}
	if strings.ContainsAny(c.Haikuporter, "\"`$\\\n") {
		return nil, bad("haikuporter.path", "%q contains a shell-special character", c.Haikuporter)
	}
	if strings.Contains(c.Args, "\n") {
		return nil, bad("haikuporter.args", "contains a newline")
	}
	if raw.Kiln != nil {
		c.FetchURLs = raw.Kiln.FetchURLs
	}
	return c, nil
}

func orDefault(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func parseEndpoint(r *rawEndpoint, prefix string, bad func(field, format string, args ...any) error) (Endpoint, error) {
	var e Endpoint
	if r.Host == nil || *r.Host == "" {
		return e, bad(prefix+".host", "missing")
	}
	e.Host = *r.Host
	if r.User == nil || *r.User == "" {
		return e, bad(prefix+".user", "missing")
	}
	e.User = *r.User
	e.Port = 22
	if len(r.Port) > 0 && string(r.Port) != "null" {
		s := string(r.Port)
		if unq, err := strconv.Unquote(s); err == nil {
			s = unq
		}
		p, err := strconv.Atoi(s)
		if err != nil || p < 1 || p > 65535 {
			return e, bad(prefix+".port", "%s is not a port number", string(r.Port))
		}
		e.Port = p
	}
	if r.PrivateKey == nil || *r.PrivateKey == "" {
		return e, bad(prefix+".privateKey", "missing")
	}
	pem, err := base64.StdEncoding.DecodeString(strings.TrimSpace(*r.PrivateKey))
	if err != nil {
		return e, bad(prefix+".privateKey", "not base64: %v", err)
	}
	signer, err := gossh.ParsePrivateKey(pem)
	if err != nil {
		var missing *gossh.PassphraseMissingError
		if errors.As(err, &missing) {
			return e, bad(prefix+".privateKey", "the key is encrypted (a builder key has no passphrase)")
		}
		return e, bad(prefix+".privateKey", "not an OpenSSH private key: %v", err)
	}
	if t := signer.PublicKey().Type(); t != gossh.KeyAlgoED25519 {
		return e, bad(prefix+".privateKey", "a %s key; HaikuPorter builders use Ed25519 keys only", t)
	}
	e.Signer = signer
	return e, nil
}

// LoadDir reads every *.json file of a HaikuPorter builders directory,
// sorted by file name. Names must be unique. The directory's known_hosts is
// not read here (see LoadKnownHosts).
func LoadDir(dir string) ([]*Config, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	sort.Strings(files)
	var out []*Config
	seen := map[string]string{}
	for _, f := range files {
		c, err := LoadConfig(f)
		if err != nil {
			return nil, err
		}
		if prev, ok := seen[c.Name]; ok {
			return nil, fmt.Errorf("%w: %s: name: %q is also the name in %s", ErrConfig, f, c.Name, prev)
		}
		seen[c.Name] = f
		out = append(out, c)
	}
	return out, nil
}
