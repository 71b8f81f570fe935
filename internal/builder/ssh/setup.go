package ssh

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/haikuports/kiln/internal/builder"
)

// setup brings a freshly connected builder to tree, as HaikuPorter's
// _setupForBuilding does on every (re)connect (BUILDMASTER.md §2.3):
// clone the tree if missing, fetch and check out the commit, write
// builder.conf, create packages/ and packages/.cache, move the visible
// packages into the cache, take its inventory and delete what the master
// does not know.
func (b *Builder) setup(ctx context.Context, c *conn, tree builder.Tree) error {
	if !isCommitID(tree.Commit) {
		return fmt.Errorf("tree commit %q is not a full commit id", tree.Commit)
	}
	if strings.ContainsAny(tree.OriginURL, "\"`$\\\n") {
		return fmt.Errorf("tree origin URL %q contains a shell-special character", tree.OriginURL)
	}
	cfg := b.cfg
	clone := `if [ ! -d "` + cfg.TreePath + `" ]; then git clone "` + tree.OriginURL + `" ` + cfg.TreePath + `; fi`
	if err := b.setupCommand(ctx, c, clone); err != nil {
		return fmt.Errorf("validate ports tree: %w", err)
	}
	sync := `cd "` + cfg.TreePath + `" && git fetch && git checkout ` + tree.Commit
	if err := b.setupCommand(ctx, c, sync); err != nil {
		return fmt.Errorf("sync ports tree: %w", err)
	}
	if err := b.writeBuilderConf(c, tree.Settings); err != nil {
		return fmt.Errorf("write builder config: %w", err)
	}
	for _, dir := range []string{cfg.Packages, cfg.Cache} {
		if err := ensureDir(c, dir); err != nil {
			return fmt.Errorf("create needed dirs: %w", err)
		}
	}
	if err := b.reconcile(c); err != nil {
		return fmt.Errorf("get available packages: %w", err)
	}
	return nil
}

// setupCommand runs a setup command, its output going to the builder log.
func (b *Builder) setupCommand(ctx context.Context, c *conn, command string) error {
	b.log.Info("running command: " + command)
	err := c.run(ctx, command, func(l string) error {
		b.log.Info(l)
		return nil
	})
	if err != nil {
		b.log.Error("command failed", "command", command, "err", err)
	}
	return err
}

// BuilderConf is builder.conf as HaikuPorter writes it
// (ConfigParser.configurationStringFromDict): KEY="value" lines in this
// order, lists joined by spaces, booleans as yes/no.
func BuilderConf(cfg *Config, s builder.Settings) string {
	yn := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	var sb strings.Builder
	for _, kv := range [][2]string{
		{"TREE_PATH", cfg.TreePath},
		{"PACKAGES_PATH", cfg.Packages},
		{"PACKAGER", "Builder " + cfg.Name + " <hpkg-builder@haiku-os.org>"},
		{"TARGET_ARCHITECTURE", s.TargetArch},
		{"SECONDARY_TARGET_ARCHITECTURES", strings.Join(s.SecondaryArchs, " ")},
		{"ALLOW_UNTESTED", yn(s.AllowUntested)},
		{"ALLOW_UNSAFE_SOURCES", yn(s.AllowUnsafeSources)},
		{"CREATE_SOURCE_PACKAGES", yn(s.CreateSourcePackages)},
	} {
		sb.WriteString(kv[0] + `="` + kv[1] + "\"\n")
	}
	return sb.String()
}

func (b *Builder) writeBuilderConf(c *conn, s builder.Settings) error {
	for _, v := range append([]string{s.TargetArch}, s.SecondaryArchs...) {
		if strings.ContainsAny(v, "\"`$\\\n ") {
			return fmt.Errorf("architecture %q is not a plain word", v)
		}
	}
	f, err := c.sftp.Create(b.cfg.BuilderConf)
	if err != nil {
		return err
	}
	if _, err := f.Write([]byte(BuilderConf(b.cfg, s))); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func ensureDir(c *conn, dir string) error {
	fi, err := c.sftp.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", dir)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return c.sftp.Mkdir(dir)
}

func isCommitID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}
