package ssh

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"
)

// ErrAuth is wrapped when a builder or jump host refuses the key. Like a
// host key error it makes the builder lost at once.
var ErrAuth = errors.New("ssh builder: authentication failed")

// conn is one connection to a builder: the SSH client (through the jump
// host's client if there is one), one persistent SFTP client and the
// keepalive. It is safe for concurrent use; close is idempotent.
type conn struct {
	client  *gossh.Client
	jump    *gossh.Client // nil without a jump host
	sftp    *sftp.Client
	hostKey string // SHA256 fingerprint of the builder's verified host key

	once sync.Once
	done chan struct{} // closed when the connection is gone
}

// dial connects to the builder described by c. Each of the TCP connect and
// the SSH handshake of the builder and of its jump host is bounded by
// timeout (HaikuPorter's connect timeout, 10 s); a keepalive request is
// sent every keepalive (HaikuPorter: 15 s) and a connection that does not
// answer within another interval is closed.
func dial(ctx context.Context, c *Config, kh *KnownHosts, timeout, keepalive time.Duration) (*conn, error) {
	var jump *gossh.Client
	var nc net.Conn
	var err error
	if c.Jump != nil {
		jnc, err := (&net.Dialer{Timeout: timeout}).DialContext(ctx, "tcp", c.Jump.Addr())
		if err != nil {
			return nil, fmt.Errorf("jump host %s: %w", c.Jump.Addr(), err)
		}
		jump, _, err = handshake(ctx, jnc, *c.Jump, kh, timeout)
		if err != nil {
			return nil, fmt.Errorf("jump host %s: %w", c.Jump.Addr(), err)
		}
		dctx, cancel := context.WithTimeout(ctx, timeout)
		nc, err = jump.DialContext(dctx, "tcp", c.Host.Addr()) // a direct-tcpip channel
		cancel()
		if err != nil {
			jump.Close()
			return nil, fmt.Errorf("%s through jump host %s: %w", c.Host.Addr(), c.Jump.Addr(), err)
		}
	} else {
		nc, err = (&net.Dialer{Timeout: timeout}).DialContext(ctx, "tcp", c.Host.Addr())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Host.Addr(), err)
		}
	}
	client, fp, err := handshake(ctx, nc, c.Host, kh, timeout)
	if err != nil {
		if jump != nil {
			jump.Close()
		}
		return nil, fmt.Errorf("%s: %w", c.Host.Addr(), err)
	}
	sc, err := sftp.NewClient(client, sftp.UseConcurrentWrites(true))
	if err != nil {
		client.Close()
		if jump != nil {
			jump.Close()
		}
		return nil, fmt.Errorf("%s: sftp: %w", c.Host.Addr(), err)
	}
	cn := &conn{client: client, jump: jump, sftp: sc, hostKey: fp, done: make(chan struct{})}
	go func() {
		client.Wait()
		cn.close()
	}()
	if jump != nil {
		go func() {
			jump.Wait()
			cn.close()
		}()
	}
	go cn.keepalive(keepalive)
	return cn, nil
}

// handshake runs the SSH handshake on nc for ep, checking the host key
// against kh. ctx cancellation and timeout abort it by closing nc.
func handshake(ctx context.Context, nc net.Conn, ep Endpoint, kh *KnownHosts, timeout time.Duration) (*gossh.Client, string, error) {
	var fp string
	cfg := &gossh.ClientConfig{
		User:              ep.User,
		Auth:              []gossh.AuthMethod{gossh.PublicKeys(ep.Signer)},
		HostKeyCallback:   kh.callback(&fp),
		HostKeyAlgorithms: kh.algorithms(ep.Addr()),
		Timeout:           timeout,
	}
	timer := time.AfterFunc(timeout, func() { nc.Close() })
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c, chans, reqs, err := gossh.NewClientConn(nc, ep.Addr(), cfg)
	timedOut := !timer.Stop()
	stop()
	if err != nil {
		nc.Close()
		switch {
		case errors.Is(err, ErrHostKey):
			return nil, "", err
		case strings.Contains(err.Error(), "unable to authenticate"):
			return nil, "", fmt.Errorf("%w: user %s with key %s: %w", ErrAuth, ep.User, gossh.FingerprintSHA256(ep.Signer.PublicKey()), err)
		case ctx.Err() != nil:
			return nil, "", context.Cause(ctx)
		case timedOut:
			return nil, "", fmt.Errorf("ssh handshake timed out after %v: %w", timeout, err)
		}
		return nil, "", err
	}
	return gossh.NewClient(c, chans, reqs), fp, nil
}

func (c *conn) keepalive(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case err := <-answered:
			if err != nil {
				c.close()
				return
			}
		case <-time.After(every):
			c.close()
			return
		case <-c.done:
			return
		}
	}
}

// alive reports whether the connection is still up.
func (c *conn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

func (c *conn) close() {
	c.once.Do(func() {
		close(c.done)
		// The transport first: sftp's Close waits for its channel to end,
		// which never happens on a silent connection.
		c.client.Close()
		if c.jump != nil {
			c.jump.Close()
		}
		go c.sftp.Close()
	})
}
