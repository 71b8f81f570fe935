package main

import "github.com/spf13/cobra"

func newRecipeCmd() *cobra.Command { return todoCmd("recipe") }
func newPortsCmd() *cobra.Command  { return todoCmd("ports") }
