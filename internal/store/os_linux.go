package store

import (
	"io/fs"
	"syscall"
)

// oNoFollow makes an open fail with ELOOP on a symbolic link.
const oNoFollow = syscall.O_NOFOLLOW

// The Linux specifics: ETags in a user xattr, and part buffers in
// anonymous mmap memory that is returned with MADV_DONTNEED.

func setETagAttr(path, etag string) error {
	return syscall.Setxattr(path, etagXattr, []byte(etag), 0)
}

func getETagAttr(path string) (string, bool) {
	var buf [64]byte
	n, err := syscall.Getxattr(path, etagXattr, buf[:])
	if err != nil || n <= 0 || n >= len(buf) {
		return "", false
	}
	return string(buf[:n]), true
}

func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

func allocBuffer(size int) []byte {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, size) // the Go heap will do
	}
	return b
}

// releaseBuffer gives b's pages back to the kernel but keeps the mapping
// (never unmapped: the HTTP transport may still read a body after its
// request returned). It fails harmlessly for heap buffers.
func releaseBuffer(b []byte) {
	syscall.Madvise(b, syscall.MADV_DONTNEED)
}
