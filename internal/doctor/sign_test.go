package doctor_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aead.dev/minisign"

	"github.com/haikuports/kiln/internal/config"
	"github.com/haikuports/kiln/internal/doctor"
)

// encryptedLooking returns key's file with its KDF field set to scrypt
// at the lowest cost: minisign takes it for an encrypted key, and any
// password fails to decrypt it (cheaply, unlike a real encrypted key's
// 1 GiB scrypt).
func encryptedLooking(t *testing.T, key []byte) []byte {
	t.Helper()
	comment, b64, _ := strings.Cut(string(key), "\n")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		t.Fatal(err)
	}
	binary.LittleEndian.PutUint16(raw[2:], 0x6353) // "Sc"
	binary.LittleEndian.PutUint64(raw[38:], 1<<15)
	binary.LittleEndian.PutUint64(raw[46:], 1<<24)
	return []byte(comment + "\n" + base64.StdEncoding.EncodeToString(raw) + "\n")
}

// TestSignKey: a target's sign_key loads and signs a probe that verifies
// (its public key printed for clients); a damaged, missing or encrypted
// key without its password or with a wrong one fails naming the target
// and the key; no sign_key at all says publishes are not signed.
func TestSignKey(t *testing.T) {
	dir := t.TempDir()
	pub, priv, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	text, _ := priv.MarshalText()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.key", text)
	enc := write("enc.key", encryptedLooking(t, text))
	pw := write("password", []byte("hunter2\n"))
	pubText, _ := pub.MarshalText()
	for _, tc := range []struct {
		name          string
		key, password string
		status        doctor.Status
		detail        []string
	}{
		{"good", good, "", doctor.OK, []string{"signs a probe that verifies", "public key " + pub.String()}},
		{"a public key", write("pub.key", pubText), "", doctor.Fail, []string{"target master/x86_64: sign_key", "minisign -G"}},
		{"missing", filepath.Join(dir, "typo.key"), "", doctor.Fail, []string{"sign_key", "typo.key", "no such file"}},
		{"encrypted without password", enc, "", doctor.Fail, []string{"encrypted, and no password", "sign_key_password_file"}},
		{"encrypted with a wrong password", enc, pw, doctor.Fail, []string{"decryption failed", "right one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := healthyConfig(t)
			cfg.Targets[0].SignKey, cfg.Targets[0].SignKeyPasswordFile = tc.key, tc.password
			results := map[string]doctor.Result{}
			doctor.Run(context.Background(), cfg, doctor.Options{OpenStore: unreachable}, func(r doctor.Result) { results[r.Name] = r })
			want(t, results, "sign key master/x86_64", tc.status, tc.detail...)
		})
	}
	cfg := healthyConfig(t)
	cfg.Targets = append(cfg.Targets, config.Target{Branch: "master", Arch: "x86_gcc2"})
	results := map[string]doctor.Result{}
	doctor.Run(context.Background(), cfg, doctor.Options{OpenStore: unreachable}, func(r doctor.Result) { results[r.Name] = r })
	want(t, results, "sign key", doctor.OK, "not signed")
}
