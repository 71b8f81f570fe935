package main

import "github.com/spf13/cobra"

// todoCmd stands in for a command whose stage has not landed yet; each
// todo_*.go file is deleted by the change that adds the real command.
func todoCmd(use string) *cobra.Command {
	return &cobra.Command{Use: use, Short: "(not implemented yet)", Hidden: true}
}
