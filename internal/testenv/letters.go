package testenv

import "io"

// Letters returns a reader of n pseudo-random letters a–h (the same bytes
// every time; compressible about 3:1), for large generated test files.
func Letters(n int64) io.Reader { return &letters{x: 88172645463325252, n: n} }

type letters struct {
	x uint64
	n int64
}

func (l *letters) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), l.n)]
	for i := range p {
		if i%16 == 0 {
			l.x ^= l.x << 13
			l.x ^= l.x >> 7
			l.x ^= l.x << 17
		}
		p[i] = 'a' + byte(l.x>>(3*(i%16))&7)
	}
	l.n -= int64(len(p))
	return len(p), nil
}
