package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/haikuports/kiln/internal/repo"
)

// terminal returns the command's error output if it is a terminal.
func terminal(cmd *cobra.Command) (*os.File, bool) {
	f, ok := cmd.ErrOrStderr().(*os.File)
	return f, ok && term.IsTerminal(int(f.Fd()))
}

// uploadBar returns a Change.Progress showing a publish's uploads (bytes,
// packages done of all) on w, and the function that ends the bar.
func uploadBar(w io.Writer) (func(repo.UploadProgress), func()) {
	var bar *progressbar.ProgressBar
	return func(p repo.UploadProgress) {
			desc := fmt.Sprintf("uploading %d/%d %s", p.Files, p.TotalFiles, plural(p.TotalFiles, "package", "packages"))
			if bar == nil {
				bar = progressbar.NewOptions64(max(p.TotalBytes, 1), progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
					progressbar.OptionShowCount(), progressbar.OptionSetDescription(desc), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
			}
			bar.Describe(desc)
			_ = bar.Set64(min(p.Bytes, p.TotalBytes))
		}, func() {
			if bar != nil {
				_ = bar.Finish()
			}
		}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// leaseWaitNotice prints, on w, that an operation waits for another
// publisher's lease (repo.Options.OnLeaseWait).
func leaseWaitNotice(w io.Writer, wait time.Duration) func(repo.LeaseInfo) {
	return func(li repo.LeaseInfo) {
		fmt.Fprintf(w, "kiln: waiting for lease held by %s until %s (%s; giving up after --lease-wait %s)\n",
			li.Holder, li.Expires.Local().Format(time.RFC3339), li.Purpose, wait)
	}
}
