package main

import "github.com/spf13/cobra"

func newRepoCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "repo",
		Short: "Read, write and publish Haiku package repositories",
	}
	cmd.AddCommand(
		newRepoInspectCmd(),
		newRepoCreateCmd(),
	)
	cmd.AddCommand(newRepoStoreCmds()...)
	return cmd
}
