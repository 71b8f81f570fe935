package daemon

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// ReadLicenses reads license names from a folder's file names or a file's lines.
func ReadLicenses(path string) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	var names []string
	if fi.IsDir() {
		des, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		for _, de := range des {
			names = append(names, de.Name())
		}
		return names, nil
	}
	if fi.Size() > 1<<20 {
		return nil, fmt.Errorf("%s: larger than 1 MiB, not a list of license names", path)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			names = append(names, l)
		}
	}
	return names, sc.Err()
}
