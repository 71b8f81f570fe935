package hpkg

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// Tests against the independent reader's dumps of the two package fixtures
// (shared/fixtures/reader-dumps/*.hpkg.txt).

var hpkgFixtures = []string{"tipster-1.1.1-1-x86_64.hpkg", "artificial-1.0.0-any.hpkg"}

var hpkgDumpLine = regexp.MustCompile(`^((?:  )*)([a-z][a-z.:-]*) : (STRING|INT|RAW) : (.*)$`)

// parseHpkgDump reads a *.hpkg.txt dump: "== package attributes", then the
// attributes, "== toc", then the TOC; each attribute "name : TYPE : value"
// indented two spaces per level; other lines continue the previous value.
func parseHpkgDump(t testing.TB, path string) (attrs, toc []*dumpNode) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cur *[]*dumpNode
	var stack []*dumpNode
	var last *dumpNode
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		switch line {
		case "== package attributes":
			cur, stack, last = &attrs, nil, nil
			continue
		case "== toc":
			cur, stack, last = &toc, nil, nil
			continue
		}
		m := hpkgDumpLine.FindStringSubmatch(line)
		if m == nil || cur == nil {
			if last == nil {
				t.Fatalf("%s:%d: unexpected line %q", path, i+1, line)
			}
			last.Value += "\n" + line
			continue
		}
		depth := len(m[1]) / 2
		n := &dumpNode{Name: m[2], Type: m[3], Value: m[4]}
		switch {
		case depth == 0:
			*cur = append(*cur, n)
		case depth <= len(stack):
			stack[depth-1].Kids = append(stack[depth-1].Kids, n)
		default:
			t.Fatalf("%s:%d: bad indentation", path, i+1)
		}
		stack = append(stack[:depth], n)
		last = n
	}
	return attrs, toc
}

// nodeToDump renders a decoded node the way the dumping reader prints it
// (every integer as INT).
func nodeToDump(n Node) *dumpNode {
	d := &dumpNode{Name: n.ID.String()}
	switch n.Type {
	case TypeInt:
		d.Type, d.Value = "INT", fmt.Sprint(int64(n.Int))
	case TypeUint:
		d.Type, d.Value = "INT", fmt.Sprint(n.Int)
	case TypeString:
		d.Type, d.Value = "STRING", n.Str
	case TypeRaw:
		d.Type = "RAW"
		if n.InHeap {
			d.Value = fmt.Sprintf("%d bytes {off:%d, len:%d}", n.DataSize, n.DataOffset, n.DataSize)
		} else {
			d.Value = fmt.Sprintf("%d bytes", len(n.Data))
		}
	}
	for _, c := range n.Children {
		d.Kids = append(d.Kids, nodeToDump(c))
	}
	return d
}

func compareDumpTrees(t *testing.T, what string, got []Node, want []*dumpNode) {
	t.Helper()
	var g []*dumpNode
	for _, n := range got {
		g = append(g, nodeToDump(n))
	}
	var render func(ns []*dumpNode, depth int, b *strings.Builder)
	render = func(ns []*dumpNode, depth int, b *strings.Builder) {
		for _, n := range ns {
			fmt.Fprintf(b, "%s%s : %s : %s\n", strings.Repeat("  ", depth), n.Name, n.Type, n.Value)
			render(n.Kids, depth+1, b)
		}
	}
	var gs, ws strings.Builder
	render(g, 0, &gs)
	render(want, 0, &ws)
	if gs.String() != ws.String() {
		gl, wl := strings.Split(gs.String(), "\n"), strings.Split(ws.String(), "\n")
		for i := range max(len(gl), len(wl)) {
			var a, b string
			if i < len(gl) {
				a = gl[i]
			}
			if i < len(wl) {
				b = wl[i]
			}
			if a != b {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s", what, i+1, a, b)
			}
		}
	}
}

func openFixture(t testing.TB, name string) *Package {
	t.Helper()
	p, err := OpenFile(testenv.Fixture(t, "hpkg/"+name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func TestFixturesMatchDumps(t *testing.T) {
	for _, name := range hpkgFixtures {
		t.Run(name, func(t *testing.T) {
			p := openFixture(t, name)
			wantAttrs, wantTOC := parseHpkgDump(t, testenv.Fixture(t, "reader-dumps/"+name+".txt"))
			attrs, err := p.ReadAttributesTree()
			if err != nil {
				t.Fatal(err)
			}
			compareDumpTrees(t, "package attributes", attrs, wantAttrs)
			toc, err := p.ReadTOCTree()
			if err != nil {
				t.Fatal(err)
			}
			compareDumpTrees(t, "TOC", toc, wantTOC)

			// By meaning: the PackageInfo equals what the dump says.
			want := dumpPackage(t, &dumpNode{Name: "package", Kids: wantAttrs})
			if !reflect.DeepEqual(p.Info, want) {
				t.Errorf("PackageInfo:\n got %+v\nwant %+v", p.Info, want)
			}
			// And the entry tree equals the dumped TOC.
			es, err := p.Entries()
			if err != nil {
				t.Fatal(err)
			}
			compareEntriesWithDump(t, "", es, wantTOC)
		})
	}
}

// compareEntriesWithDump checks the decoded entries against the dumped TOC
// by meaning (defaults for permissions and type, times as seconds).
func compareEntriesWithDump(t *testing.T, dir string, es []*Entry, want []*dumpNode) {
	t.Helper()
	var wantEntries []*dumpNode
	for _, w := range want {
		if w.Name == "dir:entry" {
			wantEntries = append(wantEntries, w)
		}
	}
	if len(es) != len(wantEntries) {
		t.Fatalf("%s/: %d entries, want %d", dir, len(es), len(wantEntries))
	}
	for i, e := range es {
		w := wantEntries[i]
		path := dir + "/" + e.Name
		if e.Name != w.Value {
			t.Fatalf("%s: name, want %q", path, w.Value)
		}
		typ, perm := "0", ""
		times := map[string]string{}
		var xattrs []string
		var data, link string
		for _, k := range w.Kids {
			switch k.Name {
			case "file:type":
				typ = k.Value
			case "file:permissions":
				perm = k.Value
			case "file:atime", "file:mtime", "file:crtime":
				times[k.Name] = k.Value
			case "file:attribute":
				xattrs = append(xattrs, fmt.Sprintf("%s/%s/%s", k.Value, k.Kids[0].Value, k.Kids[1].Value))
			case "data":
				data = k.Value
			case "symlink:path":
				link = k.Value
			}
		}
		if got := fmt.Sprint(uint8(e.Type)); got != typ {
			t.Errorf("%s: type %s, want %s", path, got, typ)
		}
		if perm == "" {
			perm = fmt.Sprint(e.Type.DefaultPerm())
		}
		if got := fmt.Sprint(e.Perm); got != perm {
			t.Errorf("%s: permissions %s, want %s", path, got, perm)
		}
		for name, tm := range map[string]int64{"file:atime": e.ATime.Unix(), "file:mtime": e.MTime.Unix(), "file:crtime": e.CrTime.Unix()} {
			if fmt.Sprint(tm) != times[name] {
				t.Errorf("%s: %s %d, want %s", path, name, tm, times[name])
			}
		}
		var gotX []string
		for _, x := range e.Xattrs {
			if v := xattrBytes(t, x); uint64(len(v)) != x.Data.Size || x.Size() != int64(len(v)) {
				t.Errorf("%s: attribute %s: %d bytes read, want %d", path, x.Name, len(v), x.Data.Size)
			}
			gotX = append(gotX, fmt.Sprintf("%s/%d/%s", x.Name, x.Type, refDump(x.Data)))
		}
		if !reflect.DeepEqual(gotX, xattrs) {
			t.Errorf("%s: attributes %q, want %q", path, gotX, xattrs)
		}
		if e.Type == FileRegular && data != "" && refDump(e.Data) != data {
			t.Errorf("%s: data %s, want %s", path, refDump(e.Data), data)
		}
		if e.Type == FileRegular && data == "" && e.Size != 0 {
			t.Errorf("%s: size %d, want empty", path, e.Size)
		}
		if e.LinkTarget != link {
			t.Errorf("%s: symlink %q, want %q", path, e.LinkTarget, link)
		}
		compareEntriesWithDump(t, path, e.Children, w.Kids)
	}
}

func refDump(r DataRef) string {
	if r.InHeap {
		return fmt.Sprintf("%d bytes {off:%d, len:%d}", r.Size, r.Offset, r.Size)
	}
	return fmt.Sprintf("%d bytes", len(r.Inline))
}
