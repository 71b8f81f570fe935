package docs

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/haikuports/kiln/internal/config"
)

// TestTOMLBlocksUseRealKeys: every ```toml block of the pages in docs/
// is valid TOML, and every key it sets is a key of kiln.toml
// (config.Keys, what docs/configuration.md lists), so a page cannot show
// a key that does not exist or a misspelt one.
func TestTOMLBlocksUseRealKeys(t *testing.T) {
	known := map[string]config.Key{}
	for _, k := range config.Keys() {
		known[k.Path] = k
	}
	isNamedTable := func(path string) bool { // builders.ondemand → builders.ondemand.<name>.…
		for p := range known {
			if strings.HasPrefix(p, path+".<name>.") {
				return true
			}
		}
		return false
	}
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, keys := 0, 0
	for _, f := range files {
		bs, err := readBlocks(f, f)
		if err != nil {
			t.Error(err)
			continue
		}
		for _, b := range bs {
			if b.lang != "toml" {
				continue
			}
			blocks++
			var doc map[string]any
			if err := toml.Unmarshal([]byte(b.text), &doc); err != nil {
				t.Errorf("%s: not valid TOML: %v", b, err)
				continue
			}
			var walk func(m map[string]any, path string)
			walk = func(m map[string]any, path string) {
				names := make([]string, 0, len(m))
				for k := range m {
					names = append(names, k)
				}
				sort.Strings(names)
				for _, k := range names {
					v := m[k]
					p := k
					if path != "" {
						p = path + "." + k
					}
					switch v := v.(type) {
					case map[string]any:
						switch {
						case known[p].Type == "table of strings":
							keys++
						case isNamedTable(p):
							for name, sub := range v {
								if sm, ok := sub.(map[string]any); ok {
									walk(sm, p+".<name>")
								} else {
									t.Errorf("%s: %s.%s is not a table", b, p, name)
								}
							}
						default:
							walk(v, p)
						}
					case []any:
						if tables, ok := arrayOfTables(v); ok {
							for _, e := range tables {
								walk(e, p+"[<N>]")
							}
							continue
						}
						keys++
						if _, ok := known[p]; !ok {
							t.Errorf("%s: %s is no key of kiln.toml (docs/configuration.md lists them)", b, p)
						}
					default:
						keys++
						if _, ok := known[p]; !ok {
							t.Errorf("%s: %s is no key of kiln.toml (docs/configuration.md lists them)", b, p)
						}
					}
				}
			}
			walk(doc, "")
		}
	}
	if blocks == 0 {
		t.Fatal("no toml block found")
	}
	t.Logf("%d toml blocks, %d keys checked", blocks, keys)
}

// arrayOfTables returns v's tables if v is a TOML array of tables.
func arrayOfTables(v []any) ([]map[string]any, bool) {
	if len(v) == 0 {
		return nil, false
	}
	out := make([]map[string]any, 0, len(v))
	for _, e := range v {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false
		}
		out = append(out, m)
	}
	return out, true
}
