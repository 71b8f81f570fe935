package sandbox_test

import (
	"context"
	"fmt"

	"github.com/haikuports/kiln/internal/recipe/sandbox"
)

func ExampleEval() {
	recipe := []byte(`SUMMARY="A demo"
REVISION="2"
PROVIDES="
	demo = $portVersion
	"
defineDebugInfoPackage demo "$prefix"/lib/libdemo.so
BUILD()
{
	make
}
`)
	res, err := sandbox.Eval(context.Background(), recipe, "demo-1.0.recipe", sandbox.Options{
		Vars: []sandbox.Var{
			{Name: "portName", Value: "demo"},
			{Name: "portVersion", Value: "1.0"},
			{Name: "portRevisionedName", Value: "demo-1.0-$REVISION"},
			{Name: "prefix", Value: "/packages/demo-1.0-$REVISION/.self"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Vars["SUMMARY"])
	fmt.Println(res.Vars["prefix"])
	fmt.Println(res.Vars["PROVIDES_debuginfo"])
	fmt.Println(res.HasFunc("BUILD"), res.HasFunc("INSTALL"))

	_, err = sandbox.Eval(context.Background(), []byte("VERSION=$(curl -s example.org)\n"), "bad-1.0.recipe", sandbox.Options{})
	fmt.Println(err)
	// Output:
	// A demo
	// /packages/demo-1.0-2/.self
	// demo_debuginfo = 1.0
	// "debuginfo:libdemo.so(demo)" = 1.0
	// true false
	// bad-1.0.recipe: refused by sandbox: command "curl" at 1:11
}
