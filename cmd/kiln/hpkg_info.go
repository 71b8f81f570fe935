package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/hpkg"
	"github.com/haikuports/kiln/internal/pkginfo"
)

// hpkgFormatJSON describes the file format part of "hpkg info --json".
type hpkgFormatJSON struct {
	Version              string `json:"version"`
	Compression          string `json:"compression"`
	ChunkSize            uint32 `json:"chunkSize"`
	Chunks               int    `json:"chunks"`
	Size                 int64  `json:"size"`
	HeapCompressedSize   uint64 `json:"heapCompressedSize"`
	HeapUncompressedSize uint64 `json:"heapUncompressedSize"`
	AttributesLength     uint32 `json:"attributesLength"`
	TOCLength            uint64 `json:"tocLength"`
}

// hpkgInfoJSON is what "hpkg info --json" prints: the package attributes
// (as in "repo inspect --json") plus the file format.
type hpkgInfoJSON struct {
	pkginfo.PackageInfo
	Format hpkgFormatJSON `json:"format"`
}

func newHpkgInfoCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "info FILE",
		Short: "Show a package file's attributes",
		Long: `Reads a Haiku package file (.hpkg, format version 2) and prints its package
attributes (name, version, architecture, provides, requires, ...) and a
summary of the file format (minor version, heap compression and sizes).

With --json it prints the same as one JSON object: the package attributes
with the field names of "kiln repo inspect --json", plus "format".

It reads only the header and the heap chunks holding the package
attributes: damage there is an error, damage elsewhere is not seen.
"kiln hpkg verify" checks the whole file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := hpkg.OpenFile(args[0])
			if err != nil {
				return err
			}
			defer p.Close()
			h := p.Header
			f := hpkgFormatJSON{
				Version:              fmt.Sprintf("%d.%d", h.Version, h.MinorVersion),
				Compression:          h.Compression.String(),
				ChunkSize:            h.ChunkSize,
				Chunks:               p.Heap().Chunks(),
				Size:                 p.Size(),
				HeapCompressedSize:   h.HeapCompressedSize,
				HeapUncompressedSize: h.HeapUncompressedSize,
				AttributesLength:     h.AttributesLength,
				TOCLength:            h.TOCLength,
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(cmd, hpkgInfoJSON{PackageInfo: p.Info, Format: f})
			}
			return printHpkgInfo(out, &p.Info, f)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the package attributes and format as JSON")
	return cmd
}

func printHpkgInfo(w io.Writer, p *pkginfo.PackageInfo, f hpkgFormatJSON) error {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-14s%s\n", k+":", v)
		}
	}
	list := func(k string, vs []string) {
		for _, v := range vs {
			line(k, v)
		}
	}
	strs := func(n int, f func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(i)
		}
		return out
	}
	line("name", p.Name)
	line("version", p.Version.String())
	line("architecture", p.Architecture.String())
	line("summary", p.Summary)
	line("vendor", p.Vendor)
	line("packager", p.Packager)
	var flags []string
	if p.Flags&pkginfo.FlagApproveLicense != 0 {
		flags = append(flags, "approve_license")
	}
	if p.Flags&pkginfo.FlagSystemPackage != 0 {
		flags = append(flags, "system_package")
	}
	line("flags", strings.Join(flags, " "))
	line("base-package", p.BasePackage)
	line("install-path", p.InstallPath)
	list("copyright", p.Copyrights)
	list("license", p.Licenses)
	list("url", p.URLs)
	list("source-url", p.SourceURLs)
	list("provides", strs(len(p.Provides), func(i int) string { return p.Provides[i].String() }))
	list("requires", strs(len(p.Requires), func(i int) string { return p.Requires[i].String() }))
	list("supplements", strs(len(p.Supplements), func(i int) string { return p.Supplements[i].String() }))
	list("conflicts", strs(len(p.Conflicts), func(i int) string { return p.Conflicts[i].String() }))
	list("freshens", strs(len(p.Freshens), func(i int) string { return p.Freshens[i].String() }))
	list("replaces", p.Replaces)
	list("writable", strs(len(p.GlobalWritableFiles), func(i int) string {
		g := p.GlobalWritableFiles[i]
		return strings.TrimSpace(fmt.Sprintf("%s %s %s", g.Path, map[bool]string{true: "directory"}[g.Directory], g.UpdateType))
	}))
	list("user-settings", strs(len(p.UserSettingsFiles), func(i int) string { return p.UserSettingsFiles[i].Path }))
	list("user", strs(len(p.Users), func(i int) string { return p.Users[i].Name }))
	list("group", p.Groups)
	list("post-install", p.PostInstallScripts)
	list("pre-uninstall", p.PreUninstallScripts)
	line("checksum", p.Checksum)
	desc := strings.Split(p.Description, "\n")
	for i := 1; i < len(desc); i++ {
		if desc[i] != "" {
			desc[i] = strings.Repeat(" ", 14) + desc[i]
		}
	}
	line("description", strings.Join(desc, "\n"))
	fmt.Fprintf(&b, "%-14s%s, %s heap, %s of %d bytes, %d bytes (heap %d uncompressed)\n",
		"format:", "hpkg "+f.Version, f.Compression, count(f.Chunks, "chunk"), f.ChunkSize, f.Size, f.HeapUncompressedSize)
	_, err := io.WriteString(w, b.String())
	return err
}
