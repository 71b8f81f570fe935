package main

// Commands not written yet. Each owner deletes its line here when it adds
// the real constructor in its own file.

import "github.com/spf13/cobra"

func todoCmd(use string) *cobra.Command {
	return &cobra.Command{Use: use, Short: "(not implemented yet)", Hidden: true}
}

func newHpkgInfoCmd() *cobra.Command     { return todoCmd("info") }
func newHpkgListCmd() *cobra.Command     { return todoCmd("list") }
func newHpkgCreateCmd() *cobra.Command   { return todoCmd("create") }
func newRepoInspectCmd() *cobra.Command  { return todoCmd("inspect") }
func newRepoCreateCmd() *cobra.Command   { return todoCmd("create") }
func newRepoStoreCmds() []*cobra.Command { return nil }
func newRecipeCmd() *cobra.Command       { return todoCmd("recipe") }
func newPortsCmd() *cobra.Command        { return todoCmd("ports") }
func newPlanCmd() *cobra.Command         { return todoCmd("plan") }
