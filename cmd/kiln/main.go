// Command kiln is a build master for HaikuPorts that keeps everything it
// publishes in object storage. Run "kiln --help" for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/haikuports/kiln/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns
// the process's exit status: 0, 2 for a usage error (printed with the
// usage line), else 1 or the status the command chose.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		printError(stderr, err)
		if v, _ := root.PersistentFlags().GetCount("verbose"); v > 0 {
			if d := store.ErrorDetail(err); d != "" {
				fmt.Fprintln(stderr, "kiln: "+d)
			}
		}
		return exitCode(err)
	}
	return 0
}
