// Command gen writes docs/configuration.md (run by `go generate
// ./internal/config`, in that directory).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/haikuports/kiln/internal/config/configdoc"
)

func main() {
	root := filepath.Join("..", "..")
	b, err := configdoc.Render(root)
	if err == nil {
		err = os.WriteFile(filepath.Join(root, "docs", "configuration.md"), b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "configdoc:", err)
		os.Exit(1)
	}
}
