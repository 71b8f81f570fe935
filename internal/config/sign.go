package config

import (
	"fmt"

	"github.com/haikuports/kiln/internal/repo"
)

// Signer returns the target's signer (nil without sign_key): sign_key
// loaded with its password (sign_key_password, or the content of
// sign_key_password_file without surrounding white space) when it is
// encrypted. Errors name the key.
func (t Target) Signer() (*repo.MinisignSigner, error) {
	if t.SignKey == "" {
		return nil, nil
	}
	pw := string(t.SignKeyPassword)
	if t.SignKeyPasswordFile != "" {
		var err error
		if pw, err = readSecret(t.SignKeyPasswordFile); err != nil {
			return nil, fmt.Errorf("%w: target %s: sign_key_password_file: %v", ErrInvalid, t.Name(), err)
		}
	}
	s, err := repo.NewMinisignSigner(t.SignKey, pw)
	if err != nil {
		return nil, fmt.Errorf("%w: target %s: sign_key: %v", ErrInvalid, t.Name(), err)
	}
	return s, nil
}

// validateSign checks the signing keys' settings (not the files: Signer
// reads them).
func (t Target) validateSign(key string) []error {
	var errs []error
	bad := func(k, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s.%s: %s", ErrInvalid, key, k, fmt.Sprintf(format, args...)))
	}
	if t.SignKeyPassword != "" && t.SignKeyPasswordFile != "" {
		bad("sign_key_password", "sign_key_password and sign_key_password_file both set (want one)")
	}
	if t.SignKey == "" && (t.SignKeyPassword != "" || t.SignKeyPasswordFile != "") {
		bad("sign_key", "required with a sign_key password (a minisign private key file)")
	}
	return errs
}
