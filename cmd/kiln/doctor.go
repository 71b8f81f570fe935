package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/demo"
	"github.com/haikuports/kiln/internal/doctor"
	"github.com/haikuports/kiln/internal/store"
)

func newDoctorCmd() *cobra.Command {
	var (
		cfgFile, dataDir string
		asJSON           bool
		timeout          time.Duration
	)
	cmd := &cobra.Command{
		Use:   "doctor [--config FILE] [--json]",
		Short: "Check the config, the store, the builders, the ports tree and the signing keys, with a fix hint for each problem",
		Long: `Checks that a kiln setup works, one line per check (ok, warn, FAIL or skip)
with a fix hint under each problem (docs/doctor.md says what each means):

  config                   the config loads and validates (errors name the key
                           and its position in the file)
  store                    the store opens and lists
  store write              a probe object is written, read back and listed
  store create-if-absent   a second create-if-absent (If-None-Match: *) of one
                           key is refused: supported and enforced
  store compare-and-swap   a write with a wrong If-Match is refused, with the
                           right ETag it succeeds
  store presigned URL      a presigned GET returns the probe's bytes (not
                           applicable to the directory store)
  store clock              the store's time of the write is within a minute of
                           this machine's (leases and heartbeats depend on it)
  store delete             the probe objects are deleted and gone
  target BRANCH/ARCH       the target opens as kiln serve opens it (system
                           packages, repo_info, sign_key, builders); its head
  mirror[N]                every store check on a [[mirror]] store, one line
  builder NAME             each builder as "kiln builder check" checks it: host
                           key against the strict known_hosts, uname -a,
                           haikuporter --version, the package cache
  builders in lockstep     every builder runs the same haikuporter
  tree                     [tree] url answers git ls-remote and has the branch,
                           or [tree] path is a git work tree with a commit
  sign key TARGET          a target's sign_key loads (with its password) and
                           signs a probe that verifies; its public key printed

Probe objects are written under .kiln/doctor/<random> and always deleted.
The config is found as kiln serve finds it: --config, else $KILN_CONFIG,
else KILN_ key variables alone, else the built-in demo (written into --data
as kiln serve does, and checked as kiln serve would run it).

Exits with status 1 when a check fails (warnings do not fail), 2 for a usage
error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if cfgFile == "" {
				cfgFile = os.Getenv("KILN_CONFIG")
			}
			return runDoctor(cmd, cfgFile, dataDir, asJSON, timeout)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&cfgFile, "config", "c", "", "kiln.toml (default $KILN_CONFIG; none: the built-in demo)")
	f.StringVar(&dataDir, "data", "kiln-data", "demo mode: the directory of the demo's tree, system packages and store")
	f.BoolVar(&asJSON, "json", false, "print the results as a JSON array")
	f.DurationVar(&timeout, "timeout", doctor.DefaultTimeout, "how long one check may take")
	return cmd
}

func runDoctor(cmd *cobra.Command, cfgFile, dataDir string, asJSON bool, timeout time.Duration) error {
	if timeout <= 0 {
		return usagef(cmd, "--timeout must be positive")
	}
	ctx := cmd.Context()
	out := cmd.OutOrStdout()
	var results []doctor.Result
	report := func(r doctor.Result) {
		results = append(results, r)
		if !asJSON {
			writeDoctorLine(out, r)
		}
	}
	cfg, r := doctorConfig(cmd, cfgFile, dataDir)
	report(r)
	if cfg != nil {
		doctor.Run(ctx, cfg, doctor.Options{
			Logger:  newLogger(cmd),
			Timeout: timeout,
			// As kiln serve opens it (a missing directory is created).
			OpenStore: func(ctx context.Context, url string) (store.Store, error) { return createStore(ctx, url) },
		}, report)
	}
	if asJSON {
		if err := printJSON(cmd, results); err != nil {
			return err
		}
	}
	var failed, warned int
	for _, r := range results {
		switch r.Status {
		case doctor.Fail:
			failed++
		case doctor.Warn:
			warned++
		}
	}
	if failed > 0 {
		return &errExitCode{1, fmt.Errorf("doctor: %s failed", count(failed, "check"))}
	}
	if !asJSON {
		summary := "all " + count(len(results), "check") + " passed"
		if warned > 0 {
			summary = fmt.Sprintf("%s passed, %s", count(len(results)-warned, "check"), count(warned, "warning"))
		}
		fmt.Fprintln(out, summary)
	}
	return nil
}

// doctorConfig finds the config as kiln serve does and reports on it.
func doctorConfig(cmd *cobra.Command, cfgFile, dataDir string) (*config.Config, doctor.Result) {
	if cfgFile != "" || config.HasEnv(os.Environ()) {
		return doctor.LoadConfig(cfgFile, os.Environ())
	}
	cfg, _, err := demo.Setup(cmd.Context(), dataDir, "http://"+defaultListen+config.DefaultRepoPrefix+"/master/x86_64/current")
	if err != nil {
		return nil, doctor.Result{Name: doctor.ConfigCheck, Status: doctor.Fail, Detail: err.Error(), Fix: "check that --data " + dataDir + " is writable"}
	}
	r := doctor.DescribeConfig(cfg)
	r.Detail += " (no --config, $KILN_CONFIG or KILN_ keys: the built-in demo in " + dataDir + ")"
	return cfg, r
}

// writeDoctorLine prints one result: status, name, detail, and the fix
// hint indented below a warning or failure.
func writeDoctorLine(w io.Writer, r doctor.Result) {
	fmt.Fprintf(w, "%-4s  %-24s %s\n", r.Status, r.Name, r.Detail)
	if r.Fix != "" && (r.Status == doctor.Fail || r.Status == doctor.Warn) {
		fmt.Fprintf(w, "      %-24s fix: %s\n", "", r.Fix)
	}
}
