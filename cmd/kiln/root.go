package main

import (
	"errors"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/buildinfo"
)

// errExitCode carries a specific process exit code (e.g. 1 for "check found
// problems") without printing anything more than the wrapped error.
type errExitCode struct {
	code int
	err  error
}

func (e *errExitCode) Error() string { return e.err.Error() }
func (e *errExitCode) Unwrap() error { return e.err }

func exitCode(err error) int {
	var ec *errExitCode
	if errors.As(err, &ec) {
		return ec.code
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// verbosity returns how often -v was given.
func verbosity(cmd *cobra.Command) int {
	v, _ := cmd.Flags().GetCount("verbose")
	return v
}

// newLogger returns the logger every command logs with (and passes to the
// packages it calls): text on stderr, warnings and errors only; with -v
// also INFO (what was done), with -vv DEBUG. A command's result goes to
// standard output, never to the log.
func newLogger(cmd *cobra.Command) *slog.Logger {
	level := slog.LevelWarn
	switch v := verbosity(cmd); {
	case v == 1:
		level = slog.LevelInfo
	case v >= 2:
		level = slog.LevelDebug
	}
	if cmd.Annotations[logAnnotation] == logJSON {
		// A daemon's log: JSON, and what it does (INFO) by default.
		return slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: min(level, slog.LevelInfo)}))
	}
	return slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))
}

// logAnnotation set to logJSON on a command makes newLogger log JSON at
// INFO and above (kiln serve).
const (
	logAnnotation = "kiln-log"
	logJSON       = "json"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "kiln",
		Short: "A build master for HaikuPorts that keeps everything it publishes in object storage",
		Long: `kiln builds HaikuPorts packages from a ports tree on Haiku builders and publishes
them, with the package repository, to object storage (S3 or a directory).

It reads and writes Haiku's package (.hpkg) and repository (repo) formats
natively, evaluates recipes in a sandbox, plans builds in dependency order
and publishes repository snapshots atomically.

A command prints its result on standard output and only warnings and errors
on standard error (-v also logs what it does, -vv debug messages). Exit
status: 0 success, 1 failure or a check that found problems, 2 a usage error
(unknown command or flag, wrong arguments).`,
		Version:       buildinfo.Get().Short(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// kiln --version: version, commit, build date, Go (internal/buildinfo).
	root.SetVersionTemplate(buildinfo.Get().String())
	root.PersistentFlags().CountP("verbose", "v", "log what is done (-v), and debug messages (-vv); default: warnings only")
	root.SetOut(os.Stdout)
	root.AddCommand(
		newHpkgCmd(),
		newRepoCmd(),
		newRecipeCmd(),
		newPortsCmd(),
		newPlanCmd(),
		newBuilderCmd(),
		newDoctorCmd(),
		newBuildCmd(),
		newRunsCmd(),
		newTokenCmd(),
		newServeCmd(),
	)
	checkUsage(root)
	return root
}
