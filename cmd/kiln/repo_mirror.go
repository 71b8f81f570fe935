package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/mirror"
	"github.com/haikuports/kiln/internal/repo"
)

func newRepoMirrorCmd() *cobra.Command {
	var (
		from, to, root string
		targets        []string
		o              mirror.Options
		asJSON         bool
	)
	cmd := &cobra.Command{
		Use:   "mirror --from STORE --to STORE [--target BRANCH/ARCH]...",
		Short: "Copy targets with every retained snapshot to a second store",
		Long: `Copies every retained snapshot of each target (all targets of --from with
a kiln head, or those given with --target), its packages and build-packages
repositories to --to, in the same layout and with the same head, so the copy
can be served, verified and published to like the original. Only what the
destination lacks is copied: an object counts as present when its size and
SHA-256 are its manifest's (objects of a new snapshot that are already there
are read and hashed; those of snapshots an earlier run completed are trusted
by size; --deep re-reads them all). Every copied package is checked against
its manifest's SHA-256 while it streams, so a bad source copy never lands.

The order is a publish's: packages, snapshot files (manifest.json last), then
head.json by compare-and-swap, then current/ with repo.sha256 last. A crash
at any point leaves the destination's head naming a complete snapshot; the
next run resumes, copying only what is missing. It holds the destination
target's lease while it writes. A destination that was published to on its
own (its head is not a source snapshot) or holds a repository kiln did not
publish is refused. With --delete, what --from no longer holds (snapshots
and build-packages repositories its prune removed, package files no
remaining snapshot lists) is removed from --to afterwards, so the mirror
follows the source's retention; without it nothing is ever deleted.

--to is created if it is a directory that does not exist; --from must hold
a kiln store. Both take what --store takes (a directory, file:///dir,
s3://bucket/prefix?OPTIONS; for two providers with different keys give each
URL its profile= or secret-file=). Shows a progress bar on a terminal. kiln
serve does the same after each publish for its [[mirror]] stores
(docs/mirror.md).`,
		Example: `  kiln repo mirror --from s3://haikuports --to 's3://haikuports-mirror?endpoint=https://s3.eu-central-003.backblazeb2.com&profile=b2'
  kiln repo mirror --from s3://haikuports --to s3://haikuports-mirror --delete
  kiln repo mirror --from ./kiln-store --to /srv/mirror --target master/x86_64 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return fmt.Errorf("repo mirror: --from and --to are both required")
			}
			if from == to {
				return fmt.Errorf("repo mirror: --from and --to name the same store %s", from)
			}
			for _, s := range targets {
				t, err := repo.ParseTarget(s)
				if err != nil {
					return err
				}
				o.Targets = append(o.Targets, t)
			}
			src, err := openStore(cmd.Context(), from)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
			}
			dst, err := createStore(cmd.Context(), to)
			if err != nil {
				return fmt.Errorf("--to: %w", err)
			}
			if src.String() == dst.String() {
				return fmt.Errorf("repo mirror: --from and --to name the same store %s", src)
			}
			o.Root = root
			o.Logger = newLogger(cmd)
			o.OnLeaseWait = leaseWaitNotice(cmd.ErrOrStderr(), o.LeaseWait)
			if f, ok := terminal(cmd); ok && !asJSON {
				progress, done := mirrorBar(f)
				o.Progress = progress
				defer done()
			}
			res, err := mirror.Mirror(cmd.Context(), src, dst, o)
			if res != nil && (err == nil || len(res.Targets) > 0) {
				if asJSON {
					if jerr := printJSON(cmd, res); jerr != nil {
						return jerr
					}
				} else {
					printMirrorResult(cmd.OutOrStdout(), res)
				}
			}
			if errors.Is(err, mirror.ErrNoTargets) && len(o.Targets) == 0 {
				return fmt.Errorf("%w (publish or import one first, or name --root)", err)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "store to copy from (as --store)")
	fl.StringVar(&to, "to", "", "store to copy to (as --store; a missing directory is created)")
	fl.StringArrayVar(&targets, "target", nil, "target as branch/arch (repeatable; default: every kiln target of --from)")
	fl.StringVar(&root, "root", "", "key prefix of all targets inside both stores")
	fl.BoolVar(&o.Delete, "delete", false, "also remove from --to the snapshots, build-packages repositories and package files --from no longer holds (follow its prune)")
	fl.BoolVar(&o.Deep, "deep", false, "re-read and re-hash every object the destination has, also of snapshots mirrored before")
	fl.IntVar(&o.Concurrency, "concurrency", 4, "packages copied or checked at a time")
	fl.DurationVar(&o.LeaseWait, "lease-wait", 5*time.Minute, "how long to wait for the destination target's lease")
	fl.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

// printMirrorResult prints one line per target and a total.
func printMirrorResult(w io.Writer, res *mirror.Result) {
	for _, t := range res.Targets {
		if t.Skipped != "" {
			fmt.Fprintf(w, "%s: skipped: %s\n", t.Target, t.Skipped)
			continue
		}
		if t.Head == "" {
			continue // failed; the error says why
		}
		head := "head " + t.Head
		switch t.PreviousHead {
		case t.Head:
		case "":
			head += " (new)"
		default:
			head += " (was " + t.PreviousHead + ")"
		}
		deleted := ""
		if t.Deleted.Objects > 0 {
			deleted = fmt.Sprintf(", deleted %s (%s)", count(t.Deleted.Objects, "object"), humanBytes(t.Deleted.Bytes))
		}
		fmt.Fprintf(w, "%s: %s, %s (%d new): copied %s (%s), %s already present, skipped (%s hashed)%s\n", t.Target, head,
			count(t.Snapshots, "snapshot"), t.NewSnapshots, count(t.Copied.Objects, "object"), humanBytes(t.Copied.Bytes),
			count(t.Present.Objects, "object"), humanBytes(t.Hashed.Bytes), deleted)
	}
	c := res.Copied()
	fmt.Fprintf(w, "mirrored %s to %s: copied %s (%s)\n", res.From, res.To, count(c.Objects, "object"), humanBytes(c.Bytes))
}

// mirrorBar returns a Progress showing a target's pass on w, and the
// function that ends the bar.
func mirrorBar(w io.Writer) (func(mirror.Progress), func()) {
	var bar *progressbar.ProgressBar
	var target string
	return func(p mirror.Progress) {
			if bar == nil || p.Target != target {
				if bar != nil {
					_ = bar.Finish()
				}
				target = p.Target
				bar = progressbar.NewOptions64(max(p.TotalBytes, 1), progressbar.OptionSetWriter(w), progressbar.OptionShowBytes(true),
					progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
			}
			_ = bar.Set64(min(p.Bytes, p.TotalBytes))
			bar.Describe(fmt.Sprintf("%s: %d/%d %s", p.Target, p.Files, p.TotalFiles, plural(p.TotalFiles, "package", "packages")))
			if p.Done {
				_ = bar.Finish()
				bar = nil
			}
		}, func() {
			if bar != nil {
				_ = bar.Finish()
			}
		}
}
