package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/plan"
)

func newPlanWhyCmd() *cobra.Command {
	var (
		src    planSource
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "why [flags] PORT...",
		Short: "Explain why ports are or are not built",
		Long: `Plans as "kiln plan" does (same flags; without --mode the named ports
themselves are planned) and explains each named port: built because it is
requested or because a requested port needs it (the chain of ports and
requirements), up to date, blocked (down to the requirement nothing
provides), in a dependency cycle (the cycle), broken or not built on the
architecture. One line per port, or the chains as JSON.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pl, err := src.planner(cmd)
			if err != nil {
				return err
			}
			var ports []string
			if src.mode == "" && src.from == "" || src.mode == string(plan.ModePorts) {
				ports = args
			}
			req, err := src.request(cmd, ports)
			if err != nil {
				return err
			}
			p, err := pl.Plan(cmd.Context(), req)
			if err != nil {
				return err
			}
			var out []*plan.Explanation
			for _, a := range args {
				ex, err := pl.Why(p, a)
				if err != nil {
					return err
				}
				out = append(out, ex)
			}
			if asJSON {
				return printJSON(cmd, out)
			}
			for _, ex := range out {
				if _, err := fmt.Fprintln(cmd.OutOrStdout(), ex.Line); err != nil {
					return err
				}
			}
			return nil
		},
	}
	src.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the explanations as JSON")
	return cmd
}
