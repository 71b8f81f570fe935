package sandbox

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzSeeds are corpus recipes using the features the sandbox handles
// specially; FuzzEval also takes every 150th recipe of the tree.
var fuzzSeeds = []string{
	"sys-libs/zlib/zlib-1.3.2.recipe",
	"media-sound/fluidsynth/fluidsynth3-2.5.4.recipe",
	"dev-libs/libpcre/libpcre-8.45.recipe",
	"sys-block/sg3_utils/sg3_utils-1.42.recipe",
	"www-client/w3m/w3m-0.5.3~git20230121.recipe",
	"app-office/libreoffice/libreoffice-24.8.1.1.recipe",
	"app-text/texlive/texlive-2026.recipe",
	"media-sound/csound/csound-6.18.1.recipe",
	"net-misc/yt_dlp/yt_dlp-2026.08.19.recipe",
	"dev-lang/perl/perl-5.42.2.recipe",
	"x11-proto/xcb_proto/xcb_proto-1.17.0.recipe",
	"app-text/djvu/djvu-3.5.29.recipe",
	"app-cdr/cdrtools/cdrtools-3.02~a09.recipe",
	"media-fonts/noto/noto-2.7.recipe",
	"dev-embedded/gcc6809/gcc6809-4.6.4.recipe",
	"dev-lang/lua/lua-5.4.7.recipe",
}

func FuzzEval(f *testing.F) {
	rs := corpusRecipes(f)
	byRel := map[string][]byte{}
	for i, r := range rs {
		byRel[r.rel] = r.src
		if i%150 == 0 {
			f.Add(r.src)
		}
	}
	for _, rel := range fuzzSeeds {
		if src, ok := byRel[rel]; ok {
			f.Add(src)
		}
	}
	f.Add([]byte(":(){ :|:& };:\n"))
	f.Add([]byte("x=a; while :; do x=$x$x; done\n"))
	f.Add([]byte("eval \"$(printf 'x=%s' {1..9})\"; y=${x/#1/\\+}; typeset -l z=AB\n"))
	// issue 7's hostile inputs, small
	f.Add([]byte("x=$(tr '[:]' b | head -n 1)\n"))
	f.Add([]byte("command eval 'x=a; for((;;)); do x=$x$x; done'\n"))
	f.Add([]byte("x=$(printf '%100000s' a); y=${x//?/RRRR}; z=$(sed 's/./&&&&/g' <<< \"$x\")\n"))
	f.Add([]byte("n=x; f(){ declare \"$n=0\"; f; }; f; : ${!n:=1}; PATH=/bin; command -v ls; echo ~root\n"))
	f.Add([]byte("BUILD() {{\n\t./configure\n}}\nshopt -s globstar; x=(**/); source ./inside.sh\n"))
	f.Add([]byte("{ { { ${a:-$(( (1?-~2:3) ))} ; } ; } ; [[ ( ( ! a ) ) ]]\n"))

	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "inside.sh"), []byte("INSIDE=1\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	opts := Options{
		Vars:      testVars(filepath.Join(dir, "fuzz-1.0.recipe")),
		Dir:       dir,
		Timeout:   250 * time.Millisecond,
		MaxCalls:  5000,
		MaxOutput: 1 << 20,
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		start := time.Now()
		res, err := Eval(context.Background(), src, "fuzz.recipe", opts)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("evaluation took %v", d)
		}
		if err == nil && res == nil {
			t.Fatal("nil result without error")
		}
		if err != nil && !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrFailed) &&
			!errors.Is(err, ErrRefused) && !errors.Is(err, ErrLimit) {
			t.Fatalf("error of no known kind: %v", err)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 {
			t.Fatalf("port directory changed: %d entries", len(entries))
		}
	})
}
