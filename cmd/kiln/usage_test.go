package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runMain runs the command line as main does and returns what it printed
// and the exit status.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// walkCommands calls fn for every command of kiln's tree.
func walkCommands(fn func(c *cobra.Command)) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		fn(c)
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(newRootCmd())
}

// runnableGroups are the commands that have subcommands and also run on
// their own (their arguments are not subcommand names), with the flags
// they need to get as far as looking at their arguments.
var runnableGroups = map[string]func(t *testing.T) []string{
	"kiln plan": func(t *testing.T) []string {
		hp, sys := planFixture(t)
		return []string{"--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys}
	},
}

// TestUnknownSubcommand checks every command that has subcommands, however
// many are added later: an unknown subcommand is an error naming it, with
// cobra's suggestion and the usage line, and exit status 2 (it printed the
// help and exited 0).
func TestUnknownSubcommand(t *testing.T) {
	var groups []*cobra.Command
	walkCommands(func(c *cobra.Command) {
		if c.HasSubCommands() {
			groups = append(groups, c)
		}
	})
	if len(groups) < 5 {
		t.Fatalf("only %d group commands found", len(groups))
	}
	for _, g := range groups {
		path := strings.Fields(g.CommandPath())[1:]
		t.Run(strings.Join(append([]string{"kiln"}, path...), "_"), func(t *testing.T) {
			args := append(path, "nosuchcommand")
			if isGroup(g) {
				// A mistyped subcommand gets cobra's suggestion.
				sub := g.Commands()[0].Name()
				typo := sub[:len(sub)-1] + "x"
				_, stderr, code := runMain(t, append(path, typo)...)
				if code != 2 || !strings.Contains(stderr, `"`+typo+`"`) || !strings.Contains(stderr, `did you mean "`+sub+`"`) {
					t.Errorf("%v: exit %d, stderr:\n%s", append(path, typo), code, stderr)
				}
			} else {
				flags, ok := runnableGroups[g.CommandPath()]
				if !ok {
					t.Fatalf("%s runs with arguments and has subcommands: add it to runnableGroups", g.CommandPath())
				}
				args = append(args, flags(t)...)
			}
			stdout, stderr, code := runMain(t, args...)
			if code == 0 || !strings.Contains(stderr, `"nosuchcommand"`) || isGroup(g) && !strings.Contains(stderr, "Usage: ") {
				t.Errorf("%v: exit %d, stdout:\n%s\nstderr:\n%s", args, code, stdout, stderr)
			}
			if isGroup(g) && stdout != "" {
				t.Errorf("%v printed on stdout:\n%s", args, stdout)
			}
			// Alone, a group command prints its help and succeeds.
			if isGroup(g) {
				stdout, _, code := runMain(t, path...)
				if code != 0 || !strings.Contains(stdout, "Available Commands:") || strings.Contains(stdout, g.CommandPath()+" [flags]") {
					t.Errorf("%v alone: exit %d:\n%s", path, code, stdout)
				}
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args       []string
		want, line string
	}{
		{[]string{"versio"}, `unknown command "versio" for "kiln"`, "Usage: kiln COMMAND"},
		{[]string{"repo", "publsh"}, `unknown command "publsh" for "kiln repo" (did you mean "publish"?)`, "Usage: kiln repo COMMAND"},
		{[]string{"hpkg", "infoo", "x"}, `unknown command "infoo" for "kiln hpkg" (did you mean "info"?)`, "Usage: kiln hpkg COMMAND"},
		{[]string{"hpkg", "info"}, "accepts 1 arg(s), received 0", "Usage: kiln hpkg info FILE"},
		{[]string{"hpkg", "list", "a", "b"}, "accepts 1 arg(s), received 2", "Usage: kiln hpkg list FILE"},
		{[]string{"repo", "list", "extra"}, `unknown command "extra" for "kiln repo list"`, "Usage: kiln repo list"},
		{[]string{"repo", "list", "--bogus"}, "unknown flag: --bogus", "Usage: kiln repo list"},
		{[]string{"repo", "prune", "--keep", "many"}, `invalid argument "many" for "--keep" flag`, "Usage: kiln repo prune"},
		{[]string{"help", "repo", "publsh"}, `unknown command "publsh" for "kiln repo" (did you mean "publish"?)`, "Usage: kiln repo COMMAND"},
		{[]string{"help", "nothing"}, `unknown command "nothing" for "kiln"`, "Usage: kiln COMMAND"},
		{[]string{"completion", "bsh"}, `unknown command "bsh" for "kiln completion" (did you mean "bash" or "fish" or "zsh"?)`, "Usage: kiln completion COMMAND"},
	} {
		stdout, stderr, code := runMain(t, c.args...)
		if code != 2 || !strings.Contains(stderr, "kiln: "+c.want) || !strings.Contains(stderr, c.line) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant %q and %q", c.args, code, stdout, stderr, c.want, c.line)
		}
	}
	// Help that exists still works.
	if stdout, _, code := runMain(t, "help", "repo", "publish"); code != 0 || !strings.Contains(stdout, "kiln repo publish --target") {
		t.Errorf("help repo publish: exit %d:\n%s", code, stdout)
	}
}

func TestInvalidArchListsValid(t *testing.T) {
	for _, args := range [][]string{
		{"recipe", "eval", "--arch", "vax", "x.recipe"},
		{"ports", "list", "--tree", t.TempDir(), "--arch", "vax"},
		{"plan", "app", "--haikuporter-repository", t.TempDir(), "--arch", "vax"},
	} {
		_, stderr, code := runMain(t, args...)
		if code == 0 || !strings.Contains(stderr, `--arch: unknown architecture "vax" (valid: x86, x86_gcc2, x86_64, `) {
			t.Errorf("%v: exit %d:\n%s", args, code, stderr)
		}
	}
	_, stderr, _ := runMain(t, "plan", "app", "--haikuporter-repository", t.TempDir(), "--arch", "x86_64", "--secondary", "source")
	if !strings.Contains(stderr, `--secondary: "source" is not a target architecture (valid: `) {
		t.Errorf("--secondary source: %s", stderr)
	}
}

// TestUndeclaredArgumentsRefused: a command added without an argument
// check takes no arguments (cobra accepted and ignored any).
func TestUndeclaredArgumentsRefused(t *testing.T) {
	root := &cobra.Command{Use: "kiln", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(&cobra.Command{Use: "new", RunE: func(*cobra.Command, []string) error { return nil }})
	checkUsage(root)
	root.SetArgs([]string{"new", "stray"})
	err := root.Execute()
	var ue *usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), `unknown command "stray" for "kiln new"`) {
		t.Errorf("stray argument: %v", err)
	}
	walkCommands(func(c *cobra.Command) {
		if c.Args == nil {
			t.Errorf("%s has no argument check", c.CommandPath())
		}
	})
}

// TestFlagErrorsPrintUsage: a missing or invalid flag found by the command
// itself is a usage error too (status 2, with the usage line).
func TestFlagErrorsPrintUsage(t *testing.T) {
	hp, sys := planFixture(t)
	for _, c := range []struct {
		args       []string
		want, line string
	}{
		{[]string{"plan", "app", "--haikuporter-repository", hp}, "--arch is required", "Usage: kiln plan [flags] [PORT...]"},
		{[]string{"plan", "app", "--arch", "x86_64"}, "--tree or --haikuporter-repository is required", "Usage: kiln plan [flags] [PORT...]"},
		{[]string{"plan", "--haikuporter-repository", hp, "--arch", "x86_64", "--system-packages", sys, "--mode", "sometimes"}, `--mode: plan: unknown mode "sometimes"`, "Usage: kiln plan [flags] [PORT...]"},
		{[]string{"plan", "why", "app", "--haikuporter-repository", hp, "--arch", "vax"}, `--arch: unknown architecture "vax" (valid: `, "Usage: kiln plan why [flags] PORT..."},
		{[]string{"plan", "check", "--system-packages", sys}, "--repo is required", "Usage: kiln plan check --repo FILE"},
		{[]string{"ports", "list"}, "--tree is required", "Usage: kiln ports list --tree DIR"},
		{[]string{"hpkg", "create", "--dir", t.TempDir()}, "--dir and -o are required", "Usage: kiln hpkg create --dir DIR -o FILE"},
	} {
		stdout, stderr, code := runMain(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, c.line) || stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant %q and %q", c.args, code, stdout, stderr, c.want, c.line)
		}
	}
}
