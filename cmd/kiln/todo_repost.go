package main

import "github.com/spf13/cobra"

func newRepoStoreCmds() []*cobra.Command { return nil }
