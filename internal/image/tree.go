package image

import (
	"archive/tar"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// ErrConflict is returned when two packages install the same file.
var ErrConflict = errors.New("installed twice")

// Tree is a file system being assembled in memory: the entries of one
// layer's tar, in the order they were added, by clean relative path
// ("usr/bin/git"). Directories added twice are kept once (the first);
// any other path added twice is an ErrConflict.
type Tree struct {
	entries []*Entry
	byName  map[string]*Entry
	parents map[string]bool // every entry's parent directories
}

// Entry is one file, directory, symlink or hard link of a Tree.
type Entry struct {
	Header *tar.Header // Name without a leading "./" or "/"; Linkname of a hard link likewise
	Data   []byte      // a regular file's content
	From   string      // who added it (a package name), for errors
}

// NewTree returns an empty Tree.
func NewTree() *Tree { return &Tree{byName: map[string]*Entry{}, parents: map[string]bool{}} }

// Clean turns a tar name ("./usr/bin/", "/etc") into a Tree path
// ("usr/bin", "etc"); the root is "".
func Clean(name string) string {
	c := path.Clean("/" + name)
	return strings.TrimPrefix(c, "/")
}

// Add adds one entry; h.Name (and a hard link's Linkname) are cleaned.
func (t *Tree) Add(h *tar.Header, data []byte, from string) error {
	h.Name = Clean(h.Name)
	if h.Typeflag == tar.TypeLink {
		h.Linkname = Clean(h.Linkname)
	}
	if h.Name == "" {
		return nil // the root directory itself
	}
	name := h.Name
	if old, ok := t.byName[name]; ok {
		if old.Header.Typeflag == tar.TypeDir && h.Typeflag == tar.TypeDir {
			return nil
		}
		return fmt.Errorf("%s: %w (by %s and %s)", name, ErrConflict, old.From, from)
	}
	hc := *h
	hc.Name = name
	e := &Entry{Header: &hc, Data: data, From: from}
	t.entries = append(t.entries, e)
	t.byName[name] = e
	for d := parentOf(name); d != "" && !t.parents[d]; d = parentOf(d) {
		t.parents[d] = true
	}
	return nil
}

// AddTar adds every entry of a tar stream, except those drop says no to
// (drop sees the cleaned path; nil keeps everything).
func (t *Tree) AddTar(r io.Reader, from string, drop func(name string) bool) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
		if drop != nil && drop(Clean(h.Name)) {
			continue
		}
		var data []byte
		switch h.Typeflag {
		case tar.TypeReg:
			if data, err = io.ReadAll(tr); err != nil {
				return fmt.Errorf("%s: %s: %w", from, h.Name, err)
			}
		case tar.TypeDir, tar.TypeSymlink, tar.TypeLink:
		default:
			return fmt.Errorf("%s: %s: unsupported tar entry type %q", from, h.Name, h.Typeflag)
		}
		if err := t.Add(h, data, from); err != nil {
			return err
		}
	}
}

// Get returns the entry at path p (not following symlinks).
func (t *Tree) Get(p string) (*Entry, bool) {
	e, ok := t.byName[Clean(p)]
	return e, ok
}

// Remove drops every entry for which drop returns true.
func (t *Tree) Remove(drop func(e *Entry) bool) {
	kept := t.entries[:0]
	for _, e := range t.entries {
		if drop(e) {
			delete(t.byName, e.Header.Name)
			continue
		}
		kept = append(kept, e)
	}
	t.entries = kept
}

// Link turns every regular file whose content, mode and owner equal an
// earlier one's into a hard link to that one (what a tar stores once),
// and returns how many it turned.
func (t *Tree) Link() int {
	type key struct {
		sum      [sha256.Size]byte
		mode     int64
		uid, gid int
	}
	first := map[key]string{}
	n := 0
	for _, e := range t.entries {
		h := e.Header
		if h.Typeflag != tar.TypeReg || len(e.Data) == 0 {
			continue
		}
		k := key{sha256.Sum256(e.Data), h.Mode, h.Uid, h.Gid}
		if name, ok := first[k]; ok {
			h.Typeflag, h.Linkname, h.Size, e.Data = tar.TypeLink, name, 0, nil
			n++
			continue
		}
		first[k] = h.Name
	}
	return n
}

// Entries returns the entries in order (not a copy: do not modify).
func (t *Tree) Entries() []*Entry { return t.entries }

// Resolve follows symlinks in p, component by component, as the kernel
// would inside the tree (absolute links from the tree's root), and
// returns the path of what p names, or false if it does not exist or
// links loop.
func (t *Tree) Resolve(p string) (string, bool) {
	rest := strings.Split(Clean(p), "/")
	cur := ""
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		if c == "" {
			continue
		}
		next := Clean(cur + "/" + c)
		e, ok := t.byName[next]
		if !ok && !t.parents[next] {
			return "", false
		}
		if !ok || e.Header.Typeflag != tar.TypeSymlink {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", false
		}
		target := e.Header.Linkname
		if !strings.HasPrefix(target, "/") {
			target = cur + "/" + target
		}
		rest = append(strings.Split(Clean(target), "/"), rest...)
		cur = ""
	}
	return cur, true
}

// WriteTar writes the tree as a tar stream, parents before children
// (directories that no entry created are added, mode 0755, owned by
// root, with mtime's time).
func (t *Tree) WriteTar(w io.Writer) error {
	tw := tar.NewWriter(w)
	written := map[string]bool{"": true}
	mtime := t.newest()
	var parents func(p string) error
	parents = func(p string) error {
		if written[p] {
			return nil
		}
		if err := parents(parentOf(p)); err != nil {
			return err
		}
		written[p] = true
		if e, ok := t.byName[p]; ok && e.Header.Typeflag == tar.TypeDir {
			return writeEntry(tw, e)
		}
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: p + "/", Mode: 0o755, ModTime: mtime, Format: tar.FormatPAX})
	}
	for _, e := range t.entries {
		if err := parents(parentOf(e.Header.Name)); err != nil {
			return err
		}
		if written[e.Header.Name] {
			continue
		}
		written[e.Header.Name] = true
		if err := writeEntry(tw, e); err != nil {
			return err
		}
	}
	return tw.Close()
}

func writeEntry(tw *tar.Writer, e *Entry) error {
	h := *e.Header
	if h.Typeflag == tar.TypeDir {
		h.Name += "/"
	}
	h.Size = int64(len(e.Data))
	h.Format = tar.FormatPAX
	h.PAXRecords = nil
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	if err := tw.WriteHeader(&h); err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	_, err := tw.Write(e.Data)
	return err
}

// newest is the latest mtime of the entries: the time given to the
// directories WriteTar makes up, so the same inputs give the same bytes.
func (t *Tree) newest() (m time.Time) {
	for _, e := range t.entries {
		if e.Header.ModTime.After(m) {
			m = e.Header.ModTime
		}
	}
	return m
}

func parentOf(p string) string {
	d := path.Dir(p)
	if d == "." || d == "/" {
		return ""
	}
	return d
}
