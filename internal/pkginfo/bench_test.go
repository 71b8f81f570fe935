package pkginfo

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

func BenchmarkParsePackageInfo(b *testing.B) {
	data, err := os.ReadFile(testenv.Fixture(b, "system-packages/x86_64/haiku.PackageInfo"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParsePackageInfoBytes(data, "haiku"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWritePackageInfo(b *testing.B) {
	data, err := os.ReadFile(testenv.Fixture(b, "system-packages/x86_64/haiku.PackageInfo"))
	if err != nil {
		b.Fatal(err)
	}
	p, err := ParsePackageInfo(bytes.NewReader(data), "haiku")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := WritePackageInfo(io.Discard, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVersionCompare(b *testing.B) {
	x := mustVersion(b, "r1~beta5_hrev58900-1")
	y := mustVersion(b, "r1~beta5_hrev58901-1")
	for b.Loop() {
		if x.Compare(y) >= 0 {
			b.Fatal("wrong order")
		}
	}
}

func BenchmarkParseExpression(b *testing.B) {
	for b.Loop() {
		if _, err := ParseExpression("haiku >= r1~beta1_hrev52295_129-1"); err != nil {
			b.Fatal(err)
		}
	}
}
