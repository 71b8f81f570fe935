package recipe

import (
	"bytes"
	"encoding/json"
	"strings"
)

// DependencyInfo is HaikuPorter's per-package dependency record
// (repository/<package>-<version>.DependencyInfo), with the strings as
// HaikuPorter writes them.
type DependencyInfo struct {
	Name             string   `json:"name"`
	Version          string   `json:"version"`
	Architecture     string   `json:"architecture"`
	Provides         []string `json:"provides"`
	Requires         []string `json:"requires"`
	BuildRequires    []string `json:"buildRequires"`
	BuildPrerequires []string `json:"buildPrerequires"`
	TestRequires     []string `json:"testRequires"`
}

// DependencyInfo returns the DependencyInfo HaikuPorter writes for pkg,
// one of p.Packages.
func (p *Port) DependencyInfo(pkg *Package) DependencyInfo {
	return DependencyInfo{
		Name:             pkg.Name,
		Version:          pkg.RawVersion,
		Architecture:     pkg.Architecture.String(),
		Provides:         nonNil(pkg.RawProvides),
		Requires:         nonNil(pkg.RawRequires),
		BuildRequires:    nonNil(p.RawBuildRequires),
		BuildPrerequires: nonNil(p.RawBuildPrerequires),
		TestRequires:     nonNil(p.RawTestRequires),
	}
}

// FileName is the DependencyInfo's file name in HaikuPorter's repository.
func (d *DependencyInfo) FileName() string { return d.Name + "-" + d.Version + ".DependencyInfo" }

// MarshalHaikuPorter encodes d byte for byte as HaikuPorter writes it:
// sorted keys, four-space indent, " : " after keys, a final newline, and
// non-ASCII characters escaped.
func (d *DependencyInfo) MarshalHaikuPorter() []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	field := func(k string, last bool) {
		b.WriteString("    ")
		b.WriteString(pyQuote(k))
		b.WriteString(" : ")
	}
	list := func(k string, l []string, last bool) {
		field(k, last)
		if len(l) == 0 {
			b.WriteString("[]")
		} else {
			b.WriteString("[\n")
			for i, s := range l {
				b.WriteString("        ")
				b.WriteString(pyQuote(s))
				if i < len(l)-1 {
					b.WriteByte(',')
				}
				b.WriteByte('\n')
			}
			b.WriteString("    ]")
		}
		if !last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	str := func(k, v string, last bool) {
		field(k, last)
		b.WriteString(pyQuote(v))
		if !last {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	str("architecture", d.Architecture, false)
	list("buildPrerequires", d.BuildPrerequires, false)
	list("buildRequires", d.BuildRequires, false)
	str("name", d.Name, false)
	list("provides", d.Provides, false)
	list("requires", d.Requires, false)
	list("testRequires", d.TestRequires, false)
	str("version", d.Version, true)
	b.WriteString("}\n")
	return b.Bytes()
}

// pyQuote quotes s like Python's json.dumps with ensure_ascii.
func pyQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				writeU(&b, 0xd800+(r>>10))
				writeU(&b, 0xdc00+(r&0x3ff))
			} else {
				writeU(&b, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func writeU(b *strings.Builder, r rune) {
	const hex = "0123456789abcdef"
	b.WriteString(`\u`)
	for s := 12; s >= 0; s -= 4 {
		b.WriteByte(hex[(r>>s)&0xf])
	}
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// ParseDependencyInfo decodes a DependencyInfo file.
func ParseDependencyInfo(data []byte) (DependencyInfo, error) {
	var d DependencyInfo
	err := json.Unmarshal(data, &d)
	return d, err
}
