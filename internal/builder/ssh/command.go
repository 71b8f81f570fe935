package ssh

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// maxLine bounds one log line; longer lines are passed on in pieces.
const maxLine = 64 << 10

// errDisconnected is returned by run when the command ended without an
// exit status because the connection went away (HaikuPorter: an exit
// status below 0 with a dead transport).
var errDisconnected = errors.New("builder disconnected")

// exitError is a command that ran and exited non-zero (or was killed by a
// signal on the builder while the connection stayed up).
type exitError struct {
	status int
	signal string
}

func (e *exitError) Error() string {
	if e.signal != "" {
		return "killed by signal " + e.signal
	}
	return fmt.Sprintf("exit status %d", e.status)
}

// run runs command in a new session with a pseudo-terminal, as
// HaikuPorter does (so standard output and error arrive merged, in order),
// and calls line for every output line (without its line ending) as it
// arrives. A line error stops the command. It returns nil for exit status
// 0, an *exitError for a non-zero status, errDisconnected (wrapped) when
// the connection died, or context.Cause(ctx) when ctx was cancelled.
//
// When ctx is cancelled or line fails, the remote command is killed: the
// session's shell gets SIGKILL and the session is closed, which hangs up
// its terminal, so the kernel sends SIGHUP to the terminal's foreground
// process group (the whole build). run returns without waiting for the
// remote side to confirm.
func (c *conn) run(ctx context.Context, command string, line func(string) error) error {
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	s, err := c.client.NewSession()
	if err != nil {
		return c.ioError("open session", err)
	}
	defer s.Close()
	modes := gossh.TerminalModes{gossh.ECHO: 0}
	if err := s.RequestPty("vt100", 24, 80, modes); err != nil {
		return c.ioError("request pty", err)
	}
	out, err := s.StdoutPipe()
	if err != nil {
		return c.ioError("stdout", err)
	}
	if err := s.Start(command); err != nil {
		return c.ioError("start command", err)
	}

	kill := func() {
		s.Signal(gossh.SIGKILL)
		s.Close()
	}
	lineErr := make(chan error, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		r := bufio.NewReaderSize(out, maxLine)
		for {
			b, err := r.ReadSlice('\n')
			if len(b) > 0 {
				b = bytes.TrimRight(b, "\r\n")
				if lerr := line(string(b)); lerr != nil {
					lineErr <- lerr
					kill()
					io.Copy(io.Discard, r)
					return
				}
			}
			if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
				return
			}
		}
	}()

	waited := make(chan error, 1)
	go func() {
		<-readDone
		waited <- s.Wait()
	}()
	select {
	case <-ctx.Done():
		kill()
		// Wait briefly so no output arrives after run returned.
		select {
		case <-readDone:
		case <-time.After(2 * time.Second):
		}
		return context.Cause(ctx)
	case err = <-waited:
	}
	select {
	case lerr := <-lineErr:
		return lerr
	default:
	}
	var ee *gossh.ExitError
	var missing *gossh.ExitMissingError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		return &exitError{status: ee.ExitStatus(), signal: ee.Signal()}
	case errors.As(err, &missing), errors.Is(err, io.EOF):
		if !c.probe(5 * time.Second) {
			return fmt.Errorf("%w: %w", errDisconnected, err)
		}
		return &exitError{status: -1}
	}
	return c.ioError("wait", err)
}

// probe reports whether the connection still answers a request within
// timeout, closing it when it does not.
func (c *conn) probe(timeout time.Duration) bool {
	if !c.alive() {
		return false
	}
	answered := make(chan error, 1)
	go func() {
		_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
		answered <- err
	}()
	select {
	case err := <-answered:
		if err == nil {
			return true
		}
	case <-time.After(timeout):
	case <-c.done:
	}
	c.close()
	return false
}

// ioError marks the connection dead on an I/O error of the session layer.
func (c *conn) ioError(what string, err error) error {
	return fmt.Errorf("%s: %w: %w", what, errDisconnected, err)
}

// output runs command and returns its output lines.
func (c *conn) output(ctx context.Context, command string) ([]string, error) {
	var lines []string
	err := c.run(ctx, command, func(l string) error {
		if len(lines) >= 10000 {
			return errors.New("too much output")
		}
		lines = append(lines, l)
		return nil
	})
	return lines, err
}
