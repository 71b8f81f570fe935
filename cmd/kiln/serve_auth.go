package main

import (
	"log/slog"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/server/auth"
)

// authenticator returns the API's Authenticator for the config's [auth]
// tokens (nil without tokens: every write route is refused). In the demo
// it adds one admin token made for this process, returned to be printed
// once; only its hash is kept, in memory, and it is never logged.
func authenticator(cfg *config.Config, demo bool, log *slog.Logger) (*auth.Authenticator, string, error) {
	toks, err := cfg.Auth.KeyringTokens()
	if err != nil {
		return nil, "", err
	}
	var demoToken string
	if demo {
		tok, h, err := auth.Generate(nil)
		if err != nil {
			return nil, "", err
		}
		demoToken = tok
		toks = append(toks, auth.Token{Name: "demo-admin", Role: auth.RoleAdmin, Hash: h})
	}
	if len(toks) == 0 {
		return nil, "", nil
	}
	keys, err := auth.NewKeyring(toks)
	if err != nil {
		return nil, "", err
	}
	return auth.New(keys, log), demoToken, nil
}
