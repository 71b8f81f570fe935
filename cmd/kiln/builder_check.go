package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/builder/ssh"
)

func newBuilderCheckCmd() *cobra.Command {
	var (
		dir, knownHosts string
		all, asJSON     bool
		timeout         time.Duration
	)
	cmd := &cobra.Command{
		Use:   "check NAME...|--all [--builders DIR] [--known-hosts FILE]",
		Short: "Connect to builders, verify their host keys and report their haikuporter and cache",
		Long: `Reads HaikuPorter's builder JSON files (buildmaster/builders/*.json, unchanged)
and connects to the named builders, or to all of them with --all, through
their jump hosts if they have one. Each host key must be in the strict
known_hosts file (default: known_hosts in the builders directory); an
unknown or changed key is refused, never trusted on first use.

For each builder it prints the host key fingerprint, "uname -a", the output
of "haikuporter --version" (with the configured haikuporter path) and the
size of its package cache, then whether every reachable builder runs the
same haikuporter (builders must stay in lockstep). The builders are checked
at the same time, each within --timeout.

Exits with status 1 when a builder cannot be checked or the haikuporter
versions differ.`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if all == (len(args) > 0) {
				return usagef(cmd, "give builder names or --all (not both)")
			}
			configs, err := ssh.LoadDir(dir)
			if err != nil {
				return err
			}
			if len(configs) == 0 {
				return fmt.Errorf("no builder files (*.json) in %s", dir)
			}
			if !all {
				byName := map[string]*ssh.Config{}
				var names []string
				for _, c := range configs {
					byName[c.Name] = c
					names = append(names, c.Name)
				}
				configs = configs[:0:0]
				for _, a := range args {
					c, ok := byName[a]
					if !ok {
						return fmt.Errorf("no builder named %q in %s (builders: %s)", a, dir, strings.Join(names, ", "))
					}
					configs = append(configs, c)
				}
			}
			if knownHosts == "" {
				knownHosts = filepath.Join(dir, "known_hosts")
			}
			kh, err := ssh.LoadKnownHosts(knownHosts)
			if err != nil {
				return err
			}
			results, err := checkBuilders(cmd.Context(), configs, kh, timeout, newLogger(cmd))
			if err != nil {
				return err
			}
			sum := summarize(results)
			if asJSON {
				err = writeCheckJSON(cmd.OutOrStdout(), results, sum)
			} else {
				err = writeCheckText(cmd.OutOrStdout(), results, sum)
			}
			if err != nil {
				return err
			}
			if sum.failed > 0 || len(sum.versions) > 1 {
				return &errExitCode{1, errors.New(sum.String())}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "builders", "builders", "the directory of builder JSON files")
	cmd.Flags().StringVar(&knownHosts, "known-hosts", "", "the known_hosts file (default: known_hosts in the builders directory)")
	cmd.Flags().BoolVar(&all, "all", false, "check every builder of the directory")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the reports as JSON")
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long one builder's check may take")
	return cmd
}

type checkResult struct {
	builder.CheckReport
	Error string `json:"error,omitempty"`
}

// checkBuilders checks the SSH builders of configs as builder.CheckAll
// does, with one connection attempt each.
func checkBuilders(ctx context.Context, configs []*ssh.Config, kh *ssh.KnownHosts, timeout time.Duration, log interface {
	Info(string, ...any)
}) ([]checkResult, error) {
	bs := make([]builder.Builder, len(configs))
	for i, c := range configs {
		b, err := ssh.New(c, ssh.CheckOptions(kh))
		if err != nil {
			return nil, err
		}
		defer b.Close()
		bs[i] = b
	}
	results := make([]checkResult, len(configs))
	for i, r := range builder.CheckAll(ctx, bs, timeout) {
		results[i].CheckReport = r.CheckReport
		if r.Err != nil {
			results[i].Error = r.Err.Error()
		}
		log.Info("checked builder", "builder", r.Name, "err", r.Err)
	}
	return results, nil
}

type checkSummary struct {
	failed   int
	versions map[string][]string // haikuporter version -> builders
}

func summarize(results []checkResult) checkSummary {
	s := checkSummary{}
	rs := make([]builder.CheckResult, len(results))
	for i, r := range results {
		rs[i].CheckReport = r.CheckReport
		if r.Error != "" {
			s.failed++
			rs[i].Err = errors.New(r.Error)
		}
	}
	s.versions = builder.HaikuporterVersions(rs)
	return s
}

func (s checkSummary) String() string {
	var parts []string
	if s.failed > 0 {
		parts = append(parts, count(s.failed, "builder")+" could not be checked")
	}
	if len(s.versions) > 1 {
		parts = append(parts, "haikuporter versions differ: "+s.versionList())
	}
	return strings.Join(parts, "; ")
}

func (s checkSummary) versionList() string {
	var vs []string
	for v := range s.versions {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprintf("%q (%s)", v, strings.Join(s.versions[v], ", ")))
	}
	return strings.Join(out, ", ")
}

func writeCheckText(w io.Writer, results []checkResult, s checkSummary) error {
	var b strings.Builder
	for _, r := range results {
		if r.Error != "" {
			fmt.Fprintf(&b, "%s: FAILED: %s\n", r.Name, r.Error)
			continue
		}
		fmt.Fprintf(&b, "%s: ok\n  host key     %s\n  uname        %s\n  haikuporter  %s\n  cache        %s, %s\n",
			r.Name, r.HostKey, r.Uname, r.Haikuporter, count(r.CachePackages, "package"), humanBytes(r.CacheBytes))
	}
	switch n := len(s.versions); {
	case n == 1:
		for v, names := range s.versions {
			fmt.Fprintf(&b, "haikuporter: %q on every reachable builder (%s)\n", v, count(len(names), "builder"))
		}
	case n > 1:
		fmt.Fprintf(&b, "haikuporter: versions differ: %s\n", s.versionList())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeCheckJSON(w io.Writer, results []checkResult, s checkSummary) error {
	type version struct {
		Version  string   `json:"version"`
		Builders []string `json:"builders"`
	}
	type out struct {
		Builders     []checkResult `json:"builders"`
		VersionsSame bool          `json:"haikuporterVersionsMatch"`
		Versions     []version     `json:"haikuporterVersions"`
	}
	o := out{Builders: results, VersionsSame: len(s.versions) <= 1, Versions: []version{}}
	for v, names := range s.versions {
		names = slices.Clone(names)
		slices.Sort(names)
		o.Versions = append(o.Versions, version{v, names})
	}
	slices.SortFunc(o.Versions, func(a, b version) int { return strings.Compare(a.Version, b.Version) })
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
