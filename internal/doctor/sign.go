package doctor

import (
	"context"
	"os"
	"strconv"
	"strings"
	"time"

	"aead.dev/minisign"

	"github.com/haikuports/kiln/internal/config"
)

// signChecks check each target's sign_key: it loads (with its password
// when encrypted) and signs a probe that verifies with its public key.
// Without any sign_key one line says that publishes are not signed.
func signChecks(cfg *config.Config) []Check {
	var checks []Check
	for _, t := range cfg.Targets {
		if t.SignKey == "" {
			continue
		}
		checks = append(checks, Check{Name: "sign key " + t.Name(), Run: func(context.Context) Result {
			return signCheck(t)
		}})
	}
	if len(checks) == 0 {
		checks = append(checks, Check{Name: "sign key", Run: func(context.Context) Result {
			return okf("no target has a sign_key: publishes are not signed (no repo.minisig)")
		}})
	}
	return checks
}

func signCheck(t config.Target) Result {
	s, err := t.Signer()
	if err != nil {
		fix := "sign_key must be a minisign private key file (minisign -G makes one; HaikuPorter's --sign-package-repository-privkey-file)"
		if b, rerr := os.ReadFile(t.SignKey); rerr == nil && minisign.IsEncrypted(b) {
			fix = "an encrypted sign_key needs its password in sign_key_password_file (or sign_key_password); check that it is the right one"
		}
		return failf(fix, "%v", err)
	}
	probe := []byte("kiln doctor signing probe " + time.Now().UTC().Format(time.RFC3339Nano) + "\n")
	sig, err := s.Sign(probe, time.Now())
	if err != nil {
		return failf("see the error above", "sign a probe with %s: %v", t.SignKey, err)
	}
	pk := s.PublicKey()
	if !minisign.Verify(pk, probe, sig) {
		return failf("the key file is damaged: make a new one (minisign -G) and give clients its public key",
			"a probe signed with %s does not verify with its public key", t.SignKey)
	}
	return okf("%s (key ID %s) signs a probe that verifies; clients verify with public key %s",
		t.SignKey, strings.ToUpper(strconv.FormatUint(pk.ID(), 16)), pk)
}
