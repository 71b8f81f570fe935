package image

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// ErrBadDeb is returned for a file that is not a Debian binary package
// (an ar archive whose members are debian-binary, control.tar* and
// data.tar*).
var ErrBadDeb = errors.New("not a Debian package")

const (
	arMagic     = "!<arch>\n"
	arHeaderLen = 60
)

// DataTar returns the uncompressed data.tar of the .deb read from r: the
// files the package installs, as dpkg-deb --fsys-tarfile would print
// them. The ar container's members are walked in order (each a 60-byte
// header: name[16] mtime[12] uid[6] gid[6] mode[8] size[10] "`\n", the
// data padded to an even length); data.tar, data.tar.gz, .xz and .zst are
// understood. Closing the result releases the decompressor, not r.
func DataTar(r io.Reader) (io.ReadCloser, error) {
	br := bufio.NewReader(r)
	magic := make([]byte, len(arMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != arMagic {
		return nil, fmt.Errorf("%w: no ar header", ErrBadDeb)
	}
	for {
		name, size, err := arNext(br)
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(name, "data.tar") {
			if _, err := io.CopyN(io.Discard, br, size+size%2); err != nil {
				return nil, fmt.Errorf("%w: member %s: %v", ErrBadDeb, name, err)
			}
			continue
		}
		return decompress(name, io.LimitReader(br, size))
	}
}

// arNext reads the next member header and returns its name and size.
func arNext(r io.Reader) (string, int64, error) {
	var h [arHeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return "", 0, fmt.Errorf("%w: no data.tar member", ErrBadDeb)
		}
		return "", 0, fmt.Errorf("%w: member header: %v", ErrBadDeb, err)
	}
	if string(h[58:60]) != "`\n" {
		return "", 0, fmt.Errorf("%w: bad member header %q", ErrBadDeb, h[:16])
	}
	name := strings.TrimSuffix(strings.TrimSpace(string(h[0:16])), "/")
	size, err := strconv.ParseInt(strings.TrimSpace(string(h[48:58])), 10, 64)
	if err != nil || size < 0 {
		return "", 0, fmt.Errorf("%w: member %s: bad size %q", ErrBadDeb, name, bytes.TrimSpace(h[48:58]))
	}
	return name, size, nil
}

func decompress(name string, r io.Reader) (io.ReadCloser, error) {
	switch name {
	case "data.tar":
		return io.NopCloser(r), nil
	case "data.tar.gz":
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadDeb, name, err)
		}
		return zr, nil
	case "data.tar.xz":
		zr, err := xz.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadDeb, name, err)
		}
		return io.NopCloser(zr), nil
	case "data.tar.zst":
		zr, err := zstd.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrBadDeb, name, err)
		}
		return zr.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("%w: unknown member %s", ErrBadDeb, name)
}
