package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/hpkg"
)

func newHpkgListCmd() *cobra.Command {
	var attrs, asJSON bool
	cmd := &cobra.Command{
		Use:   "list FILE",
		Short: "List the files in a package",
		Long: `Lists the file tree (the TOC) of a Haiku package file: a header, then one
line per entry with its mode, size, modification time (UTC) and path;
symlinks show their target. With --attributes every entry is followed by
its extended attributes (name, type code and size). --json prints one
object per entry (path, type, mode, size, mtime, user, group, linkTarget
and its attributes).

It reads only the heap chunks holding the TOC (and, with --attributes,
the attribute values): damage there is an error, damage in file contents
is not seen. "kiln hpkg verify" checks the whole file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := hpkg.OpenFile(args[0])
			if err != nil {
				return err
			}
			defer p.Close()
			if asJSON {
				l, err := listPackageJSON(p)
				if err != nil {
					return err
				}
				return printJSON(cmd, l)
			}
			return listPackage(cmd.OutOrStdout(), p, attrs)
		},
	}
	cmd.Flags().BoolVarP(&attrs, "attributes", "a", false, "also list extended attributes")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	return cmd
}

func listPackage(w io.Writer, p *hpkg.Package, attrs bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s %10s %-19s %s\n", "MODE", "SIZE", "MODIFIED (UTC)", "PATH")
	err := p.Walk(func(path string, e *hpkg.Entry) error {
		mt := "-"
		if !e.MTime.IsZero() {
			mt = e.MTime.UTC().Format("2006-01-02 15:04:05")
		}
		name := path
		switch e.Type {
		case hpkg.FileDirectory:
			name += "/"
		case hpkg.FileSymlink:
			name += " -> " + e.LinkTarget
		}
		fmt.Fprintf(&b, "%s %10d %s %s\n", e.FileMode(), e.Size, mt, name)
		if attrs {
			for _, x := range e.Xattrs {
				fmt.Fprintf(&b, "    attribute %s (%s) %d bytes\n", x.Name, typeCode(x.Type), x.Size())
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// entryJSON is one entry of "hpkg list --json".
type entryJSON struct {
	Path       string          `json:"path"`
	Type       string          `json:"type"` // file, dir or symlink
	Mode       string          `json:"mode"` // as ls -l prints it
	Size       int64           `json:"size"`
	MTime      *time.Time      `json:"mtime,omitempty"`
	User       string          `json:"user,omitempty"`
	Group      string          `json:"group,omitempty"`
	LinkTarget string          `json:"linkTarget,omitempty"`
	Attributes []attributeJSON `json:"attributes,omitempty"`
}

type attributeJSON struct {
	Name string `json:"name"`
	Type string `json:"type"` // the type code: MIMS, or 0x... when not printable
	Size int64  `json:"size"`
}

func listPackageJSON(p *hpkg.Package) ([]entryJSON, error) {
	l := []entryJSON{}
	err := p.Walk(func(path string, e *hpkg.Entry) error {
		j := entryJSON{Path: path, Type: e.Type.String(), Mode: e.FileMode().String(), Size: e.Size,
			User: e.User, Group: e.Group, LinkTarget: e.LinkTarget}
		if !e.MTime.IsZero() {
			mt := e.MTime.UTC()
			j.MTime = &mt
		}
		for _, x := range e.Xattrs {
			j.Attributes = append(j.Attributes, attributeJSON{Name: x.Name, Type: strings.Trim(typeCode(x.Type), "'"), Size: x.Size()})
		}
		l = append(l, j)
		return nil
	})
	return l, err
}

// typeCode renders a Haiku type code like 'MIMS' when it is printable.
func typeCode(t uint32) string {
	c := []byte{byte(t >> 24), byte(t >> 16), byte(t >> 8), byte(t)}
	for _, x := range c {
		if x < 0x20 || x > 0x7e {
			return fmt.Sprintf("0x%08x", t)
		}
	}
	return "'" + string(c) + "'"
}
