package main

import "github.com/spf13/cobra"

func newBuilderCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "builder",
		Short: "Inspect the Haiku builders",
	}
	cmd.AddCommand(newBuilderCheckCmd())
	return cmd
}
