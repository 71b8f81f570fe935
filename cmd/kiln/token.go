package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/haikuports/kiln/internal/server/auth"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Make API tokens for kiln serve",
	}
	cmd.AddCommand(newTokenCreateCmd())
	return cmd
}

func newTokenCreateCmd() *cobra.Command {
	var name, role string
	cmd := &cobra.Command{
		Use:   "create --name NAME --role ROLE",
		Short: "Print a new API token and the config lines with its hash",
		Long: `Print a new random API token for kiln serve's API, and the [[auth.tokens]]
lines to add to kiln.toml. kiln keeps only the token's SHA-256 hash: the
token is shown once, here; give it to the client, which sends it as
"Authorization: Bearer <token>". To revoke it, delete its lines.

Roles, lowest first (each includes the ones before it):
  read     read the API
  trigger  also start, cancel and retry runs and builds
  admin    also roll back, upload packages, manage builders

See docs/api-auth.md.`,
		Example: `  kiln token create --name ci --role trigger`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" || role == "" {
				return usagef(cmd, "--name and --role are required")
			}
			if err := auth.ValidName(name); err != nil {
				return usagef(cmd, "--name: %v", err)
			}
			r, err := auth.ParseRole(role)
			if err != nil {
				return usagef(cmd, "--role: %v", err)
			}
			tok, h, err := auth.Generate(nil)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), `%s

# Add to kiln.toml; the token above is shown only now, kiln keeps its hash.
[[auth.tokens]]
name = %q
role = %q
hash = %q
`, tok, name, r.String(), h.String())
			return err
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the token's name, shown in logs and audit records (letters, digits, '.', '_', '-')")
	cmd.Flags().StringVar(&role, "role", "", "the token's role: "+strings.Join(auth.Roles(), ", "))
	return cmd
}
