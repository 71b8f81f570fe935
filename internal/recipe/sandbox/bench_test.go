package sandbox

import (
	"context"
	"testing"
)

// BenchmarkEvalOverhead measures the fixed cost of one evaluation: an empty
// recipe with HaikuPorter's ~80 variables.
func BenchmarkEvalOverhead(b *testing.B) {
	opts := Options{Vars: testVars("/tree/cat/foo/foo-1.0.recipe")}
	ctx := context.Background()
	for b.Loop() {
		if _, err := Eval(ctx, []byte("\n"), "foo-1.0.recipe", opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvalTypical evaluates a typical recipe (zlib's shape).
func BenchmarkEvalTypical(b *testing.B) {
	src := []byte(`SUMMARY="A compression library"
DESCRIPTION="Zlib is designed to be a free, general-purpose, legally unencumbered
lossless data-compression library."
HOMEPAGE="http://www.zlib.net/"
COPYRIGHT="1995-2026 Jean-loup Gailly and Mark Adler"
LICENSE="Zlib"
REVISION="1"
SOURCE_URI="https://zlib.net/fossils/zlib-$portVersion.tar.gz"
CHECKSUM_SHA256="bb329a0a2cd0274d05519d61c667c062e06990d72e125ee2dfa8de64f0119d16"
PATCHES="zlib-$portVersion.patchset"
ARCHITECTURES="all"
SECONDARY_ARCHITECTURES="x86"
libVersion="$portVersion"
libVersionCompat="$libVersion compat >= ${libVersion%%.*}"
PROVIDES="
	zlib$secondaryArchSuffix = $libVersionCompat
	lib:libz$secondaryArchSuffix = $libVersionCompat
	"
REQUIRES="
	haiku$secondaryArchSuffix
	"
PROVIDES_devel="
	zlib${secondaryArchSuffix}_devel = $libVersionCompat
	devel:libz$secondaryArchSuffix = $libVersionCompat
	"
REQUIRES_devel="
	zlib$secondaryArchSuffix == $portVersion base
	"
BUILD_REQUIRES="
	haiku${secondaryArchSuffix}_devel
	"
BUILD_PREREQUIRES="
	cmd:gcc$secondaryArchSuffix
	cmd:make
	"
defineDebugInfoPackage zlib$secondaryArchSuffix "$libDir"/libz.so.$libVersion
BUILD()
{
	./configure --prefix=$prefix
	make $jobArgs
}
INSTALL()
{
	make install
}
`)
	opts := Options{Vars: testVars("/tree/cat/zlib/zlib-1.3.2.recipe")}
	ctx := context.Background()
	for b.Loop() {
		if _, err := Eval(ctx, src, "zlib-1.3.2.recipe", opts); err != nil {
			b.Fatal(err)
		}
	}
}
