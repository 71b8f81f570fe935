package mock

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
)

// rng returns a random source determined by the seed and the parts alone,
// so draws do not depend on the order builds happen in.
func rng(seed uint64, parts ...string) *rand.Rand {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	for _, p := range parts {
		h.Write([]byte(strconv.Itoa(len(p))))
		h.Write([]byte{':'})
		h.Write([]byte(p))
	}
	sum := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])))
}

// payload is a deterministic incompressible byte stream.
type payload struct{ r *rand.ChaCha8 }

func newPayload(seed uint64, parts ...string) *payload {
	var s [32]byte
	r := rng(seed, parts...)
	for i := 0; i < 32; i += 8 {
		binary.LittleEndian.PutUint64(s[i:], r.Uint64())
	}
	return &payload{rand.NewChaCha8(s)}
}

func (p *payload) Read(b []byte) (int, error) { return p.r.Read(b) }
