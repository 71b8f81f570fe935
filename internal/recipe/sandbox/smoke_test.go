package sandbox

import (
	"context"
	"os"
	"testing"
)

func TestSmoke(t *testing.T) {
	p := os.Getenv("KILN_RECIPE")
	if p == "" {
		t.Skip()
	}
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Eval(context.Background(), src, p, Options{Vars: testVars(p), Dir: "/tmp/corpus/haikuports"})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"SUMMARY", "PROVIDES", "PROVIDES_debuginfo", "REQUIRES_debuginfo", "REVISION", "prefix", "SOURCE_URI"} {
		t.Logf("%s=%q", k, res.Vars[k])
	}
	t.Log(res.Funcs, res.Arrays)
}
