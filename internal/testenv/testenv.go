// Package testenv finds the shared test data (Haiku's real files in
// ../shared/fixtures and the HaikuPorts corpus in ../shared/corpus) for tests.
// It is imported only from _test.go files.
package testenv

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// SharedDir returns the shared folder: $KILN_SHARED, else the "shared"
// folder beside the repository root. It fails the test when it is missing.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir, err := sharedDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func sharedDir() (string, error) {
	if d := os.Getenv("KILN_SHARED"); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			s := filepath.Join(filepath.Dir(d), "shared")
			if _, err := os.Stat(filepath.Join(s, "fixtures")); err != nil {
				return "", fmt.Errorf("testenv: shared test data not found at %s (set KILN_SHARED)", s)
			}
			return s, nil
		}
		if filepath.Dir(d) == d {
			return "", errors.New("testenv: repository root (go.mod) not found")
		}
	}
}

// Fixture returns the path of a file under shared/fixtures.
func Fixture(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join(SharedDir(t), "fixtures", filepath.FromSlash(rel))
}

var (
	unpackMu   sync.Mutex
	unpacked   = map[string]string{}
	unpackErrs = map[string]error{}
	inMain     bool   // Main is running the tests
	sharedTemp string // SharedTempDir's directory, once made
)

// Main runs the tests of a package (m.Run), removes what Unpack extracted
// and exits with the tests' status. Every package whose tests use Unpack,
// Corpus or Reference must call it from its TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
func Main(m *testing.M) {
	unpackMu.Lock()
	inMain = true
	unpackMu.Unlock()
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// Unpack extracts shared/corpus/<archive> (a .tar.zst) once per test
// process into a temporary directory and returns that directory. The
// directory is shared by all tests of the process and must not be modified;
// Main removes it after the tests. Unpack fails the test when the package's
// TestMain does not call Main (the copy would be left in the temporary
// directory: about 50 MB per archive and run).
func Unpack(t testing.TB, archive string) string {
	t.Helper()
	unpackMu.Lock()
	defer unpackMu.Unlock()
	if !inMain {
		t.Fatal("testenv: Unpack needs the package's TestMain to call testenv.Main, which removes the unpacked corpus")
	}
	if d, ok := unpacked[archive]; ok {
		return d
	}
	if err, ok := unpackErrs[archive]; ok {
		t.Fatal(err)
	}
	src := filepath.Join(SharedDir(t), "corpus", archive)
	dst, err := os.MkdirTemp("", "kiln-corpus-")
	if err == nil {
		err = extractTarZst(src, dst)
	}
	if err != nil {
		unpackErrs[archive] = err
		t.Fatal(err)
	}
	unpacked[archive] = dst
	return dst
}

// Corpus returns the unpacked HaikuPorts tree (the folder holding the
// category folders).
func Corpus(t testing.TB) string {
	return filepath.Join(Unpack(t, "haikuports-785d8af-recipes.tar.zst"), "haikuports")
}

// Reference returns HaikuPorter's unpacked output for x86_64 (the folder
// holding the *.DependencyInfo files, .skipped/ and recipeCache/).
func Reference(t testing.TB) string {
	return filepath.Join(Unpack(t, "haikuporter-x86_64-reference.tar.zst"), "repository")
}

// SharedTempDir returns a temporary directory that the tests of the
// process share, for what they make once and all use (a built binary):
// made at the first call, removed by Main after the tests. Like Unpack it
// fails the test when the package's TestMain does not call Main.
func SharedTempDir(t testing.TB) string {
	t.Helper()
	unpackMu.Lock()
	defer unpackMu.Unlock()
	if !inMain {
		t.Fatal("testenv: SharedTempDir needs the package's TestMain to call testenv.Main, which removes it")
	}
	if sharedTemp == "" {
		d, err := os.MkdirTemp("", "kiln-test-shared-")
		if err != nil {
			t.Fatal(err)
		}
		sharedTemp = d
	}
	return sharedTemp
}

// Cleanup removes everything Unpack extracted and SharedTempDir's
// directory (Main calls it after the tests).
func Cleanup() {
	unpackMu.Lock()
	defer unpackMu.Unlock()
	for k, d := range unpacked {
		os.RemoveAll(d)
		delete(unpacked, k)
	}
	if sharedTemp != "" {
		os.RemoveAll(sharedTemp)
		sharedTemp = ""
	}
}

func extractTarZst(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	defer f.Close()
	zr, err := zstd.NewReader(f)
	if err != nil {
		return fmt.Errorf("testenv: %s: %w", src, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("testenv: %s: %w", src, err)
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if name == "." || strings.HasPrefix(name, "..") || filepath.IsAbs(name) {
			continue
		}
		p := filepath.Join(dst, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o777|0o600)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Chtimes(p, h.ModTime, h.ModTime); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		}
	}
}

// KnownLicenses returns the license names of shared/corpus/known-licenses.txt
// (one a line; blank lines skipped, white space around a name trimmed): the
// licenses HaikuPorter knew in the corpus's reference run.
func KnownLicenses(t testing.TB) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(SharedDir(t), "corpus", "known-licenses.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var l []string
	for _, s := range strings.Split(string(data), "\n") {
		if s = strings.TrimSpace(s); s != "" {
			l = append(l, s)
		}
	}
	return l
}
