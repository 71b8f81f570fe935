package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// usageError is an error in how a command was called: an unknown command,
// an unknown flag or a bad flag value, the wrong number of arguments. main
// prints it with the command's usage line and exits with status 2.
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError of cmd with a formatted message.
func usagef(cmd *cobra.Command, format string, args ...any) error {
	return &usageError{cmd, fmt.Errorf(format, args...)}
}

// groupAnnotation marks a group command: one with subcommands and nothing
// of its own to run.
const groupAnnotation = "kiln-group"

// checkUsage makes every misuse of root's tree an error (call it once the
// whole tree is built, so commands added later are covered too): a group
// command given an argument fails with "unknown command" and cobra's
// suggestions instead of printing its help and exiting 0; argument and
// flag errors of every command become usageErrors; a command that does not
// declare its arguments takes none; "kiln help" of an unknown command fails.
func checkUsage(root *cobra.Command) {
	root.InitDefaultCompletionCmd() // added now, not by Execute, so the walk sees it
	root.SetHelpCommand(newHelpCmd(root))
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{c, err} })
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasSubCommands() && !c.Runnable() {
			// cobra checks the arguments of runnable commands only: a
			// group runs to print its help when called alone.
			if c.Annotations == nil {
				c.Annotations = map[string]string{}
			}
			c.Annotations[groupAnnotation] = "true"
			c.Args = unknownCommand
			c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		}
		if c.Args == nil && c.Runnable() && !c.HasSubCommands() {
			// A command that does not say which arguments it takes
			// takes none (cobra would accept and ignore any).
			c.Args = cobra.NoArgs
		}
		if args := c.Args; args != nil {
			c.Args = func(c *cobra.Command, a []string) error {
				if err := args(c, a); err != nil {
					return &usageError{c, err}
				}
				return nil
			}
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	usage := root.UsageFunc()
	root.SetUsageFunc(func(c *cobra.Command) error {
		if isGroup(c) {
			// A group's usage is its subcommands: hide the RunE that
			// only exists to check its arguments.
			run := c.RunE
			c.RunE = nil
			defer func() { c.RunE = run }()
		}
		return usage(c)
	})
}

func isGroup(c *cobra.Command) bool { return c.Annotations[groupAnnotation] != "" }

// unknownCommand is the argument check of a group command: any argument is
// a subcommand it does not have.
func unknownCommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return unknownCommandError(c, args[0])
}

func unknownCommandError(c *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default, set only on its own path
	}
	if s := c.SuggestionsFor(name); len(s) > 0 {
		msg += ` (did you mean "` + strings.Join(s, `" or "`) + `"?)`
	}
	return errors.New(msg)
}

// newHelpCmd replaces cobra's help command, which prints the root's usage
// and exits 0 for a topic it does not know.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		Long:  `Prints the help of a command, e.g. "kiln help repo publish" (as "kiln repo publish --help").`,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, rest, err := root.Find(args)
			if err != nil {
				return &usageError{cmd, err}
			}
			if len(rest) > 0 {
				return &usageError{c, unknownCommandError(c, rest[0])}
			}
			return c.Help()
		},
	}
}

// printError prints err for the user: the message, and for a usageError
// the usage line of the command and where its help is.
func printError(w io.Writer, err error) {
	fmt.Fprintln(w, "kiln:", err)
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd != nil {
		line := ue.cmd.UseLine()
		if isGroup(ue.cmd) {
			line = ue.cmd.CommandPath() + " COMMAND"
		}
		fmt.Fprintf(w, "Usage: %s\nRun '%s --help' for details.\n", line, ue.cmd.CommandPath())
	}
}
