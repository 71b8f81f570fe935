package image

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"
)

// The image's user: kiln runs as it (Kubernetes' runAsNonRoot needs a
// numeric user; 65532 is what deploy/kubernetes expects).
const (
	UID  = 65532
	User = "kiln"
	Home = "/home/kiln"
)

// Roots are the packages the image is made of; everything they depend on
// comes along except Excluded.
var Roots = []string{"libc6", "ca-certificates", "git"}

// Excluded are dependencies kiln does not need at run time: git's perl
// commands (git-svn, send-email, add -i's old script; kiln runs clone,
// fetch, checkout, rev-parse, diff, archive, config), its manual, and
// what ca-certificates' maintainer scripts use (the certificate bundle
// is made here instead). CheckELF proves nothing left links to them.
var Excluded = map[string]bool{
	"perl": true, "perl-base": true, "liberror-perl": true, "git-man": true,
	"openssl": true, "debconf": true,
}

// dropped are paths of the packages the image leaves out: documentation,
// translations, shell completion, perl modules without perl, the CGI
// scripts, and ca-certificates' updater (a shell script; there is no
// shell).
var dropped = []string{
	"usr/share/doc", "usr/share/doc-base", "usr/share/man", "usr/share/info",
	"usr/share/locale", "usr/share/lintian", "usr/share/bug", "usr/share/bash-completion",
	"usr/share/perl5", "usr/share/gitweb", "usr/share/git-core/contrib",
	"usr/sbin/update-ca-certificates", "etc/ca-certificates/update.d",
	// git's programs kiln never runs (it runs git itself, and
	// git-remote-http for https): servers, push over HTTP, mail, scalar,
	// the gettext helper of git's shell scripts.
	"usr/bin/git-shell", "usr/lib/git-core/git-shell", "usr/lib/git-core/git-daemon",
	"usr/lib/git-core/git-http-backend", "usr/lib/git-core/git-http-push", "usr/lib/git-core/git-http-fetch",
	"usr/lib/git-core/git-imap-send", "usr/bin/scalar", "usr/lib/git-core/scalar",
	"usr/lib/git-core/git-sh-i18n--envsubst",
}

func drop(name string) bool {
	for _, d := range dropped {
		if name == d || strings.HasPrefix(name, d+"/") {
			return true
		}
	}
	return false
}

// caBundle is where Go, GnuTLS (git's libcurl) and OpenSSL look for the
// certificate authorities on Debian.
const caBundle = "etc/ssl/certs/ca-certificates.crt"

// Base builds the image's root file system for a, without kiln: the
// packages Roots resolve to (downloaded into cacheDir), less what drop
// removes, files of the same content stored once (Debian's git ships
// /usr/bin/git and /usr/lib/git-core/git as two copies), the CA bundle made from ca-certificates' certificates (as
// update-ca-certificates would, all of them), /etc/passwd and /etc/group
// with the kiln user, /etc/nsswitch.conf, /tmp, the user's home and the
// dpkg status of each package (var/lib/dpkg/status.d/NAME, which image
// scanners read). It fails if any ELF file in it needs a library it
// lacks (CheckELF).
func Base(ctx context.Context, log *slog.Logger, apt Apt, cacheDir string, a Arch) (*Tree, []Package, error) {
	pkgs, err := Resolve(ctx, apt, a.Name, Roots, Excluded)
	if err != nil {
		return nil, nil, err
	}
	files, err := Fetch(ctx, log, cacheDir, pkgs)
	if err != nil {
		return nil, nil, err
	}
	t := NewTree()
	for i, p := range pkgs {
		if err := addDeb(t, files[i], p.Name); err != nil {
			return nil, nil, err
		}
	}
	mtime := t.newest()
	if err := bundleCerts(t, mtime); err != nil {
		return nil, nil, err
	}
	if err := addSystem(t, pkgs, mtime); err != nil {
		return nil, nil, err
	}
	links := t.Link()
	n, err := CheckELF(t, a)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", a.Name, err)
	}
	log.Info("root file system", "arch", a.Name, "packages", len(pkgs), "files", len(t.Entries()), "hardlinks", links, "elf", n)
	return t, pkgs, nil
}

func addDeb(t *Tree, file, name string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	data, err := DataTar(f)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	defer data.Close()
	return t.AddTar(data, name, drop)
}

// bundleCerts concatenates usr/share/ca-certificates/**/*.crt, sorted by
// path, into caBundle and removes them.
func bundleCerts(t *Tree, mtime time.Time) error {
	const dir = "usr/share/ca-certificates/"
	var names []string
	for _, e := range t.Entries() {
		if e.Header.Typeflag == tar.TypeReg && strings.HasPrefix(e.Header.Name, dir) && strings.HasSuffix(e.Header.Name, ".crt") {
			names = append(names, e.Header.Name)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("ca-certificates: no certificates in %s", dir)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		e, _ := t.Get(n)
		b.Write(e.Data)
		if !bytes.HasSuffix(e.Data, []byte("\n")) {
			b.WriteByte('\n')
		}
	}
	t.Remove(func(e *Entry) bool { return strings.HasPrefix(e.Header.Name+"/", dir) })
	return t.Add(file(caBundle, 0o644, 0, mtime, b.Bytes()), b.Bytes(), "image")
}

func addSystem(t *Tree, pkgs []Package, mtime time.Time) error {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/usr/sbin/nologin\n%s:x:%d:%d:%s:%s:/usr/sbin/nologin\n", User, UID, UID, User, Home)
	group := fmt.Sprintf("root:x:0:\n%s:x:%d:\n", User, UID)
	adds := []struct {
		h    *tar.Header
		data string
	}{
		{file("etc/passwd", 0o644, 0, mtime, nil), passwd},
		{file("etc/group", 0o644, 0, mtime, nil), group},
		{file("etc/nsswitch.conf", 0o644, 0, mtime, nil), "passwd: files\ngroup: files\nhosts: files dns\n"},
		{dir("tmp", 0o1777, 0, mtime), ""},
		{dir("root", 0o700, 0, mtime), ""},
		{dir(strings.TrimPrefix(Home, "/"), 0o755, UID, mtime), ""},
		{dir("var/lib/dpkg/status.d", 0o755, 0, mtime), ""},
	}
	for _, p := range pkgs {
		st := fmt.Sprintf("Package: %s\nStatus: install ok installed\nArchitecture: %s\nVersion: %s\n", p.Name, p.Arch, p.Version)
		if p.Source != "" {
			st += "Source: " + p.Source + "\n"
		}
		adds = append(adds, struct {
			h    *tar.Header
			data string
		}{file("var/lib/dpkg/status.d/"+p.Name, 0o644, 0, mtime, nil), st})
	}
	for _, a := range adds {
		a.h.Size = int64(len(a.data))
		var data []byte
		if a.h.Typeflag == tar.TypeReg {
			data = []byte(a.data)
		}
		if err := t.Add(a.h, data, "image"); err != nil {
			return err
		}
	}
	return nil
}

func file(name string, mode int64, uid int, mtime time.Time, data []byte) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: uid, Gid: uid, Size: int64(len(data)), ModTime: mtime, Uname: owner(uid), Gname: owner(uid)}
}

func dir(name string, mode int64, uid int, mtime time.Time) *tar.Header {
	return &tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: mode, Uid: uid, Gid: uid, ModTime: mtime, Uname: owner(uid), Gname: owner(uid)}
}

func owner(uid int) string {
	if uid == 0 {
		return "root"
	}
	return User
}
