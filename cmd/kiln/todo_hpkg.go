package main

import "github.com/spf13/cobra"

func newHpkgInfoCmd() *cobra.Command   { return todoCmd("info") }
func newHpkgListCmd() *cobra.Command   { return todoCmd("list") }
func newHpkgCreateCmd() *cobra.Command { return todoCmd("create") }
