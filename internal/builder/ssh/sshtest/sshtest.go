// Package sshtest runs a real OpenSSH server (Debian's /usr/sbin/sshd) on
// a loopback port for tests, with its own generated host key and
// configuration under a temporary directory, and generates the keys,
// known_hosts lines and HaikuPorter builder JSON files that point kiln at
// it. The server is stopped when the test ends.
package sshtest

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// SSHD is the server binary the tests use.
const SSHD = "/usr/sbin/sshd"

// Key is a generated Ed25519 key pair.
type Key struct {
	PrivatePEM []byte // OpenSSH private key file
	Public     gossh.PublicKey
}

// NewKey generates an Ed25519 key.
func NewKey(t testing.TB) Key {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "kiln-test")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return Key{PrivatePEM: pem.EncodeToMemory(block), Public: sp}
}

// Base64 is the key as a HaikuPorter builder JSON's "privateKey".
func (k Key) Base64() string { return base64.StdEncoding.EncodeToString(k.PrivatePEM) }

// AuthorizedKey is the public key as an authorized_keys line.
func (k Key) AuthorizedKey() string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k.Public)))
}

// Server is a running sshd.
type Server struct {
	Dir     string // its configuration directory
	Port    int
	HostKey Key
	User    string // the user tests log in as (the current user)

	logFile string
}

// Options configure Start.
type Options struct {
	// Authorized are the keys allowed to log in.
	Authorized []Key
	// ForceCommand, when set, is run for every session instead of the
	// client's command (the client's is in SSH_ORIGINAL_COMMAND; sftp
	// arrives as SFTPServer).
	ForceCommand string
	// LogLevel of sshd (default ERROR); its log is in Log().
	LogLevel string
}

// SFTPServer is the sftp subsystem command the server runs.
const SFTPServer = "/usr/lib/openssh/sftp-server"

// Skip skips the test when sshd is not installed (scripts/test installs
// it); under CI (CI set) a missing sshd fails the test instead.
func Skip(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(SSHD); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (scripts/test installs openssh-server)", SSHD)
		}
		t.Skipf("%s not installed (scripts/test installs openssh-server)", SSHD)
	}
}

// Start starts sshd on a free 127.0.0.1 port and stops it at cleanup.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	Skip(t)
	// sshd refuses to start without its privilege separation directory,
	// which a freshly installed package only creates at service start.
	if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
		t.Skipf("cannot create /run/sshd: %v", err)
	}
	dir := t.TempDir()
	s := &Server{Dir: dir, HostKey: NewKey(t), User: currentUser(t)}
	hk := filepath.Join(dir, "host_ed25519")
	if err := os.WriteFile(hk, s.HostKey.PrivatePEM, 0o600); err != nil {
		t.Fatal(err)
	}
	var auth []string
	for _, k := range opts.Authorized {
		auth = append(auth, k.AuthorizedKey())
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), []byte(strings.Join(auth, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	level := opts.LogLevel
	if level == "" {
		level = "ERROR"
	}
	for attempt := 0; ; attempt++ {
		s.Port = freePort(t)
		conf := fmt.Sprintf(`Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile %s
AuthorizedKeysFile %s
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin prohibit-password
AllowTcpForwarding yes
PrintMotd no
PrintLastLog no
UseDNS no
LogLevel %s
Subsystem sftp %s
`, s.Port, hk, filepath.Join(dir, "sshd.pid"), filepath.Join(dir, "authorized_keys"), level, SFTPServer)
		if opts.ForceCommand != "" {
			conf += "ForceCommand " + opts.ForceCommand + "\n"
		}
		cf := filepath.Join(dir, "sshd_config")
		if err := os.WriteFile(cf, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		// The log is a file, not a pipe: sshd's per-connection children
		// inherit it, and a pipe would keep Wait waiting for them.
		logf, err := os.Create(filepath.Join(dir, "sshd.log"))
		if err != nil {
			t.Fatal(err)
		}
		s.logFile = logf.Name()
		cmd := exec.Command(SSHD, "-D", "-e", "-f", cf)
		cmd.Stderr = logf
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		err = cmd.Start()
		logf.Close()
		if err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		t.Cleanup(func() {
			// sshd and every session it started (they share its group).
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		})
		if err := waitListening(s.Port, exited); err != nil {
			if attempt < 3 {
				continue // the port was taken in between: try another
			}
			t.Fatalf("sshd did not start: %v\n%s", err, s.Log())
		}
		return s
	}
}

// Addr is 127.0.0.1:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.Port) }

// KnownHostsLine is the server's known_hosts line for host:port addr.
func (s *Server) KnownHostsLine(addr string) string {
	return KnownHostsLine(addr, s.HostKey.Public)
}

// Log is what sshd wrote to its standard error so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.logFile)
	return string(b)
}

// KnownHostsLine formats a known_hosts line for addr (host:port) and key.
func KnownHostsLine(addr string, key gossh.PublicKey) string {
	host, port, _ := net.SplitHostPort(addr)
	h := host
	if port != "22" {
		h = "[" + host + "]:" + port
	}
	return h + " " + strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key)))
}

func currentUser(t testing.TB) string {
	out, err := exec.Command("id", "-un").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(port int, exited <-chan struct{}) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("sshd exited")
		default:
		}
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("not listening after 10 s")
}
