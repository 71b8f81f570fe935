// Package config reads kiln.toml: where the store is, the ports tree, the
// targets (branch × architecture), the builders and how builds run.
// Relative paths in the file are relative to the file's directory.
//
// Decoding is strict: an unknown key, a value of the wrong type or a
// missing required value is an error naming the key and its position in
// the file ("kiln.toml:12:1: builders.mok: unknown key").
//
// This is the part of the configuration `kiln build` needs; the daemon
// (`kiln serve`) adds its own sections.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/mock"
	"github.com/haikuports/kiln/internal/builder/ondemand"
	"github.com/haikuports/kiln/internal/pkginfo"
	"github.com/haikuports/kiln/internal/repo"
)

// ErrInvalid is wrapped by every error about the file's content.
var ErrInvalid = errors.New("config: invalid")

// maxFileSize bounds a config file (a real one is a few KiB).
const maxFileSize = 1 << 20

// Config is a kiln.toml.
type Config struct {
	Store    Store    `toml:"store"`
	Tree     Tree     `toml:"tree"`
	Targets  []Target `toml:"target"`
	Builders Builders `toml:"builders"`
	Build    Build    `toml:"build"`
	// Auth is kiln serve's tokens and webhook secret.
	Auth Auth `toml:"auth"`
	// Dock is kiln serve's package uploads.
	Dock Dock `toml:"dock"`
	HTTP HTTP `toml:"http"` // kiln serve's listen address and repository URLs (http.go)
	// Retention is kiln serve's pruning of old snapshots, packages and runs.
	Retention Retention `toml:"retention"`
	// Notify are the URLs kiln serve calls after each publish.
	Notify []Notify `toml:"notify"`
	// Mirrors are second stores kiln serve keeps copies of targets in.
	Mirrors []Mirror `toml:"mirror"`

	// File is the path the config was read from ("" for a built one).
	File string `toml:"-"`
}

// Store says where everything durable lives.
type Store struct {
	// URL is a directory, file:///dir or s3://bucket/prefix?options (see
	// `kiln repo --help`).
	URL string `toml:"url"`
}

// Tree is the HaikuPorts tree: a local checkout (path) or a git URL kiln
// serve clones into clone_dir and fetches (url); one of the two.
type Tree struct {
	// Path is a local git checkout of the tree, planned from its HEAD.
	Path string `toml:"path"`
	// URL is a git URL kiln serve clones the tree from and fetches at each
	// poll and push (instead of path; no password in it: use a credential
	// helper or an SSH key).
	URL string `toml:"url"`
	// Branch is the branch targets plan from and pushes must name (default
	// master with url; with path, unset: any push wakes the daemon).
	Branch string `toml:"branch"`
	// CloneDir is the directory kiln owns for the clone of url: cloned when
	// missing or empty, cloned again when broken; a directory that is not
	// a clone of url is refused, never deleted.
	CloneDir string `toml:"clone_dir"`
	// Debounce is the quiet window that gathers a burst of pushes
	// (webhooks, triggers) into one update run (default 2s).
	Debounce builder.Duration `toml:"debounce"`
	// Origin is the URL builders clone the tree from when they lack it
	// (default: the checkout's remote.origin.url, else Path).
	Origin string `toml:"origin"`
	// Licenses are Haiku's license names: a folder (one file per license)
	// or a file with one name a line (default: the licenses Haiku ships).
	Licenses string `toml:"licenses"`
	// Cache keeps recipe evaluation results across runs (optional; a
	// cache, safe to delete).
	Cache string `toml:"cache"`
	// Poll is how often kiln serve reads the tree's HEAD to start an
	// update run when it moved (default 60s).
	Poll builder.Duration `toml:"poll"`
}

// Target is one repository: a branch and a primary architecture, with
// optional secondary architectures.
type Target struct {
	// Branch is the ports tree's branch the target builds (required).
	Branch string `toml:"branch"`
	// Arch is the primary architecture: x86_64, x86_gcc2, arm64, riscv64, …
	// (required).
	Arch string `toml:"arch"`
	// Secondary are secondary architectures built too (x86 for x86_gcc2).
	Secondary []string `toml:"secondary"`
	// SystemPackages is a folder of Haiku's system .hpkg files for the
	// target (haiku, haiku_devel, …), staged on builders as HaikuPorter's
	// --system-packages-directory.
	SystemPackages string `toml:"system_packages"`
	// RepoInfo is the repo.info file of the target's first publish.
	RepoInfo string `toml:"repo_info"`
	// SignKey is a minisign private key file: every publish of the target
	// signs its repo with it (repo.minisig, as HaikuPorter's
	// --sign-package-repository-privkey-file). Unset: not signed.
	SignKey string `toml:"sign_key"`
	// SignKeyPassword is the password of an encrypted sign_key (or
	// sign_key_password_file).
	SignKeyPassword Secret `toml:"sign_key_password"`
	// SignKeyPasswordFile is a file holding sign_key's password (or
	// sign_key_password).
	SignKeyPasswordFile string `toml:"sign_key_password_file"`
	// AllowUntested builds ports marked untested (?arch).
	AllowUntested bool `toml:"allow_untested"`
	// Builders names the builders of this target (default: all).
	Builders []string `toml:"builders"`
}

// Builders are the build machines.
type Builders struct {
	// Dir holds HaikuPorter builder JSON files (*.json), read unchanged.
	Dir string `toml:"dir"`
	// KnownHosts is the strict known_hosts file of the SSH builders and
	// their jump hosts (default: <dir>/known_hosts).
	KnownHosts string `toml:"known_hosts"`
	// Mock are simulated builders (see internal/builder/mock).
	Mock []mock.Settings `toml:"mock"`
	// OnDemand makes builders on-demand, by builder name.
	OnDemand map[string]ondemand.Settings `toml:"ondemand"`
}

// Build says how build runs run and publish.
type Build struct {
	// Publish: "end" (default), "each-build" or "never".
	Publish string `toml:"publish"`
	// BuildTimeout bounds one attempt of a build.
	BuildTimeout builder.Duration `toml:"build_timeout"`
	// HangTimeout: a build with no log output for this long is cancelled
	// and retried.
	HangTimeout builder.Duration `toml:"hang_timeout"`
	// Retries of transient failures (-1: never).
	Retries int `toml:"retries"`
	// RetryBackoff is the pause before the first retry, doubled for each
	// further one.
	RetryBackoff builder.Duration `toml:"retry_backoff"`
	// RetryFailureElsewhere retries a real failure once on another builder.
	RetryFailureElsewhere bool `toml:"retry_failure_elsewhere"`
	// AllowRegressions publishes even when installed packages would break
	// (the publish guard only warns).
	AllowRegressions bool `toml:"allow_regressions"`
	// PublishUninstallable publishes packages whose dependencies failed.
	PublishUninstallable bool `toml:"publish_uninstallable"`
	// HeartbeatTTL is how long a run's heartbeat keeps another kiln from
	// resuming it after its driver died (default 2m).
	HeartbeatTTL builder.Duration `toml:"heartbeat_ttl"`
	// LeaseTTL is how long kiln serve's scheduling lease of a target lasts
	// unrenewed (default 30s; renewed every third of it). With several
	// replicas on one store only the lease's holder schedules and
	// publishes a target; when the holder dies, another replica takes the
	// target over and resumes its run once the lease expired.
	LeaseTTL builder.Duration `toml:"lease_ttl"`
}

// Load reads and checks the config file at path, with the overrides of
// the process's environment (ApplyEnv).
func Load(path string) (*Config, error) { return LoadEnv(path, os.Environ()) }

// LoadEnv is Load with the environment given ("NAME=value" entries).
func LoadEnv(path string, environ []string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	if len(b) > maxFileSize {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes", ErrInvalid, path, maxFileSize)
	}
	return ParseEnv(path, b, environ)
}

// Parse reads a config from data, without environment overrides; name is
// used in errors and to resolve relative paths.
func Parse(name string, data []byte) (*Config, error) { return ParseEnv(name, data, nil) }

// ParseEnv is Parse, then the overrides of environ (ApplyEnv), before
// relative paths are resolved and the result is checked.
func ParseEnv(name string, data []byte, environ []string) (*Config, error) {
	var c Config
	dec := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, decodeError(name, err)
	}
	if err := checkHTTPPositions(name, data); err != nil {
		return nil, err
	}
	if err := c.ApplyEnv(environ); err != nil {
		return nil, err
	}
	c.File = name
	dir, err := filepath.Abs(filepath.Dir(name))
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.resolve(dir)
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &c, nil
}

// envName names a config made from the environment alone in errors.
const envName = "(environment)"

// FromEnv makes a config from the environment alone, as if from an empty
// file in the working directory (relative paths are relative to it):
// kiln serve with KILN_ key variables and no config file. File is "".
func FromEnv(environ []string) (*Config, error) {
	c, err := ParseEnv(envName, nil, environ)
	if err != nil {
		return nil, err
	}
	c.File = ""
	return c, nil
}

// decodeError turns go-toml's errors into "file:line:col: key: what".
func decodeError(name string, err error) error {
	var sm *toml.StrictMissingError
	if errors.As(err, &sm) && len(sm.Errors) > 0 {
		var lines []string
		for _, e := range sm.Errors {
			row, col := e.Position()
			lines = append(lines, fmt.Sprintf("%s:%d:%d: %s: unknown key", name, row, col, strings.Join(e.Key(), ".")))
		}
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(lines, "; "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, col := de.Position()
		key := strings.Join(de.Key(), ".")
		if key != "" {
			key += ": "
		}
		return fmt.Errorf("%w: %s:%d:%d: %s%s", ErrInvalid, name, row, col, key, de.Error())
	}
	return fmt.Errorf("%w: %s: %v", ErrInvalid, name, err)
}

// resolve makes relative paths relative to dir.
func (c *Config) resolve(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) && !strings.Contains(*p, "://") {
			*p = filepath.Join(dir, *p)
		}
	}
	if c.Store.URL != "" && !strings.Contains(c.Store.URL, "://") {
		abs(&c.Store.URL)
	}
	abs(&c.Tree.Path)
	abs(&c.Tree.Licenses)
	abs(&c.Tree.Cache)
	abs(&c.Tree.CloneDir)
	abs(&c.Builders.Dir)
	abs(&c.Builders.KnownHosts)
	abs(&c.Auth.GitHubSecretFile)
	abs(&c.Dock.TempDir)
	for i := range c.Auth.Tokens {
		abs(&c.Auth.Tokens[i].HashFile)
	}
	for i := range c.Notify {
		abs(&c.Notify[i].URLFile)
	}
	for i := range c.Mirrors {
		if u := c.Mirrors[i].URL; !strings.Contains(u, "://") && !strings.Contains(strings.SplitN(u, "/", 2)[0], ":") { // "s3:/x" stays for Validate
			abs(&c.Mirrors[i].URL)
		}
	}
	for i := range c.Targets {
		abs(&c.Targets[i].SystemPackages)
		abs(&c.Targets[i].RepoInfo)
		abs(&c.Targets[i].SignKey)
		abs(&c.Targets[i].SignKeyPasswordFile)
	}
	if c.Builders.KnownHosts == "" && c.Builders.Dir != "" {
		c.Builders.KnownHosts = filepath.Join(c.Builders.Dir, "known_hosts")
	}
}

// Validate checks what the types cannot; errors name the key.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalid, key, fmt.Sprintf(format, args...)))
	}
	if c.Store.URL == "" {
		bad("store.url", "required")
	}
	errs = append(errs, c.Tree.validate()...)
	errs = append(errs, c.Retention.validate()...)
	if len(c.Targets) == 0 {
		bad("target", "at least one [[target]] is required")
	}
	seen := map[string]bool{}
	for i, t := range c.Targets {
		key := fmt.Sprintf("target[%d]", i)
		if _, err := t.RepoTarget(); err != nil {
			bad(key, "%v", err)
			continue
		}
		if seen[t.Name()] {
			bad(key, "target %s given twice", t.Name())
		}
		seen[t.Name()] = true
		for _, s := range t.Secondary {
			if _, err := pkginfo.ParseArchitecture(s); err != nil {
				bad(key+".secondary", "%v", err)
			}
		}
		errs = append(errs, t.validateSign(key)...)
	}
	if c.Builders.Dir == "" && len(c.Builders.Mock) == 0 {
		bad("builders", "no builders: set builders.dir (HaikuPorter builder JSON files) or add [[builders.mock]]")
	}
	if c.Build.Publish != "" {
		switch c.Build.Publish {
		case "end", "each-build", "never":
		default:
			bad("build.publish", "%q (want end, each-build or never)", c.Build.Publish)
		}
	}
	if c.Build.Retries < -1 {
		bad("build.retries", "%d (want -1 for never, or a count)", c.Build.Retries)
	}
	if err := c.Auth.validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, validateNotify(c.Notify, seen)...)
	errs = append(errs, c.HTTP.validate(c.Store.URL, c.Targets)...)
	errs = append(errs, validateMirrors(c.Mirrors, c.Store.URL, seen)...)
	return errors.Join(errs...)
}

// Name is the target's "branch/arch".
func (t Target) Name() string { return t.Branch + "/" + t.Arch }

// RepoTarget is the target as the repository package names it.
func (t Target) RepoTarget() (repo.Target, error) {
	rt := repo.Target{Branch: t.Branch, Arch: t.Arch}
	if t.Branch == "" || t.Arch == "" {
		return rt, errors.New("branch and arch are required")
	}
	if _, err := rt.Architecture(); err != nil {
		return rt, err
	}
	return rt, nil
}

// Target returns the target called name ("branch/arch"); with name empty
// and one target configured, that one.
func (c *Config) Target(name string) (*Target, error) {
	if name == "" {
		if len(c.Targets) == 1 {
			return &c.Targets[0], nil
		}
		var names []string
		for _, t := range c.Targets {
			names = append(names, t.Name())
		}
		return nil, fmt.Errorf("config: several targets (%s): name one", strings.Join(names, ", "))
	}
	for i := range c.Targets {
		if c.Targets[i].Name() == name {
			return &c.Targets[i], nil
		}
	}
	var names []string
	for _, t := range c.Targets {
		names = append(names, t.Name())
	}
	return nil, fmt.Errorf("config: no target %q (configured: %s)", name, strings.Join(names, ", "))
}
