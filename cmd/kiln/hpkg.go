package main

import "github.com/spf13/cobra"

func newHpkgCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hpkg",
		Short: "Read and write Haiku package (.hpkg) files",
	}
	cmd.AddCommand(newHpkgInfoCmd(), newHpkgListCmd(), newHpkgCreateCmd(), newHpkgVerifyCmd())
	return cmd
}
