package hpkg

// readUvarint decodes an unsigned LEB128 number from b. It returns the value
// and the number of bytes used; n == 0 means b ended inside the number and
// n < 0 means the number overflows 64 bits.
func readUvarint[T string | []byte](b T) (v uint64, n int) {
	var shift uint
	for i := 0; i < len(b); i++ {
		c := b[i]
		if i == 10 || (i == 9 && c > 1) {
			return 0, -(i + 1)
		}
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, i + 1
		}
		shift += 7
	}
	return 0, 0
}

// appendUvarint appends v as unsigned LEB128.
func appendUvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// uvarintLen returns the number of bytes appendUvarint uses for v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
