package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// parseGoFiles parses the non-test Go files below dir.
func parseGoFiles(t *testing.T, dir string) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		files[p] = f
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fset, files
}

// TestCommandsLogThroughNewLogger: every command, including those added
// later, logs through newLogger (WARN by default, INFO with -v): no other
// slog logger or handler, no slog or log package-level calls, in cmd/kiln.
func TestCommandsLogThroughNewLogger(t *testing.T) {
	fset, files := parseGoFiles(t, ".")
	for name, f := range files {
		imports := map[string]string{} // local name -> path
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			local := filepath.Base(p)
			if im.Name != nil {
				local = im.Name.Name
			}
			imports[local] = p
			if p == "log" {
				t.Errorf("%s imports the log package: log through newLogger", name)
			}
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "newLogger" && fd.Recv == nil {
				continue
			}
			ast.Inspect(d, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && imports[id.Name] == "log/slog" {
					switch sel.Sel.Name {
					case "Logger", "Level", "Attr", "Any", "String", "Int", "Int64", "Bool", "Duration", "Time", "Group", "Value":
					default:
						t.Errorf("%s: slog.%s outside newLogger: log through newLogger", fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// TestJSONFieldsTagged: in every package, a struct that names some of its
// fields for JSON names all exported ones (repo.Diff printed Go's From and
// To next to camelCase fields).
func TestJSONFieldsTagged(t *testing.T) {
	for _, dir := range []string{".", "../../internal"} {
		fset, files := parseGoFiles(t, dir)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				st, ok := n.(*ast.StructType)
				if !ok {
					return true
				}
				tagged := false
				var untagged []*ast.Ident
				for _, fl := range st.Fields.List {
					tag := ""
					if fl.Tag != nil {
						s, _ := strconv.Unquote(fl.Tag.Value)
						tag = reflect.StructTag(s).Get("json")
					}
					if tag != "" {
						tagged = true
					}
					for _, n := range fl.Names {
						if n.IsExported() && tag == "" {
							untagged = append(untagged, n)
						}
					}
				}
				if tagged {
					for _, n := range untagged {
						t.Errorf("%s: field %s has no json tag (Go's default name is not camelCase)", fset.Position(n.Pos()), n.Name)
					}
				}
				return true
			})
		}
	}
}
