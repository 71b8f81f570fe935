package main

import "github.com/spf13/cobra"

func newRepoInspectCmd() *cobra.Command { return todoCmd("inspect") }
func newRepoCreateCmd() *cobra.Command  { return todoCmd("create") }
