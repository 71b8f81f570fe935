package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// makeTar returns a tar of the given files (name → content; a name
// ending in / is a directory).
func makeTar(t *testing.T, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, name := range files {
		h := &tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(name))}
		if name[len(name)-1] == '/' {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(name))
		}
	}
	tw.Close()
	return b.Bytes()
}

func compress(t *testing.T, kind string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	var err error
	switch kind {
	case "":
		return data
	case ".gz":
		w = gzip.NewWriter(&b)
	case ".xz":
		w, err = xz.NewWriter(&b)
	case ".zst":
		w, err = zstd.NewWriter(&b)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// makeAr returns an ar archive of members (name, content pairs), as
// dpkg-deb writes a .deb.
func makeAr(members ...[2]string) []byte {
	var b bytes.Buffer
	b.WriteString(arMagic)
	for _, m := range members {
		fmt.Fprintf(&b, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", m[0], 1700000000, 0, 0, "100644", len(m[1]))
		b.WriteString(m[1])
		if len(m[1])%2 == 1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func TestDataTar(t *testing.T) {
	data := makeTar(t, "./", "./usr/", "./usr/bin/git", "./etc/odd")
	for _, kind := range []string{"", ".gz", ".xz", ".zst"} {
		t.Run("data.tar"+kind, func(t *testing.T) {
			deb := makeAr([2]string{"debian-binary", "2.0\n"},
				[2]string{"control.tar.xz", string(compress(t, ".xz", makeTar(t, "./control")))},
				[2]string{"data.tar" + kind, string(compress(t, kind, data))})
			rc, err := DataTar(bytes.NewReader(deb))
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			tree := NewTree()
			if err := tree.AddTar(rc, "test", nil); err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range tree.Entries() {
				names = append(names, e.Header.Name)
			}
			if fmt.Sprint(names) != "[usr usr/bin/git etc/odd]" {
				t.Errorf("entries %v", names)
			}
			e, _ := tree.Get("usr/bin/git")
			if string(e.Data) != "./usr/bin/git" {
				t.Errorf("content %q", e.Data)
			}
		})
	}
}

func TestDataTarBad(t *testing.T) {
	good := makeAr([2]string{"debian-binary", "2.0\n"})
	for _, tc := range []struct {
		name string
		deb  []byte
	}{
		{"empty", nil},
		{"not ar", []byte("PK\x03\x04 a zip file, say")},
		{"no data member", good},
		{"truncated header", append(append([]byte{}, good...), "data.tar   "...)},
		{"unknown compression", makeAr([2]string{"data.tar.lz4", "x"})},
		{"bad xz", makeAr([2]string{"data.tar.xz", "not xz"})},
		{"bad gzip", makeAr([2]string{"data.tar.gz", "not gzip"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DataTar(bytes.NewReader(tc.deb))
			if !errors.Is(err, ErrBadDeb) {
				t.Fatalf("err = %v, want ErrBadDeb", err)
			}
		})
	}
	// A member size that is not a number.
	deb := makeAr([2]string{"data.tar", "xy"})
	copy(deb[len(arMagic)+48:], "12a4      ")
	if _, err := DataTar(bytes.NewReader(deb)); !errors.Is(err, ErrBadDeb) {
		t.Fatalf("bad size: err = %v", err)
	}
}
