// Command kiln is a build master for HaikuPorts that keeps everything it
// publishes in object storage. Run "kiln --help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCmd().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiln:", err)
		os.Exit(exitCode(err))
	}
}
