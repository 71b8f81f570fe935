package ondemand

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Action is how a builder is started or stopped: a command (argv, run
// without a shell) or an HTTP request to a URL. The command gets
// KILN_BUILDER=<name> in its environment, the request an X-Kiln-Builder
// header. Actions must be idempotent (starting a running machine or
// stopping a stopped one succeeds): kiln does not know a machine's state
// after a restart.
type Action struct {
	Command []string
	URL     string
	Method  string        // for URL; default POST
	Timeout time.Duration // default 5m; the command is killed after it
}

// DefaultActionTimeout bounds an action without a Timeout.
const DefaultActionTimeout = 5 * time.Minute

// maxOutput is how much of a command's output or a response body is kept
// for the error message.
const maxOutput = 2 << 10

func (a Action) empty() bool { return len(a.Command) == 0 && a.URL == "" }

func (a Action) validate(what string) error {
	switch {
	case len(a.Command) > 0 && a.URL != "":
		return fmt.Errorf("%s: give a command or a URL, not both", what)
	case len(a.Command) > 0 && a.Command[0] == "":
		return fmt.Errorf("%s: empty command name", what)
	case a.URL != "":
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s: URL %q is not an http or https URL", what, a.URL)
		}
		switch a.Method {
		case "", http.MethodPost, http.MethodGet, http.MethodPut:
		default:
			return fmt.Errorf("%s: method %q (want POST, GET or PUT)", what, a.Method)
		}
	}
	if a.Timeout < 0 {
		return fmt.Errorf("%s: negative timeout", what)
	}
	return nil
}

func (a Action) String() string {
	if a.URL != "" {
		return a.method() + " " + a.URL
	}
	return strings.Join(a.Command, " ")
}

func (a Action) method() string {
	if a.Method == "" {
		return http.MethodPost
	}
	return a.Method
}

// run performs the action; the error says why it failed, with the end of
// the command's output or the response body.
func (a Action) run(ctx context.Context, client *http.Client, builder string) error {
	timeout := a.Timeout
	if timeout == 0 {
		timeout = DefaultActionTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var err error
	if a.URL != "" {
		err = a.request(ctx, client, builder)
	} else {
		err = a.command(ctx, builder)
	}
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: timed out after %v: %w", a, timeout, err)
	}
	return err
}

func (a Action) command(ctx context.Context, builder string) error {
	cmd := exec.CommandContext(ctx, a.Command[0], a.Command[1:]...)
	cmd.Env = append(os.Environ(), "KILN_BUILDER="+builder)
	var out tail
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 2 * time.Second // children holding the output do not keep us waiting
	if err := cmd.Run(); err != nil {
		if msg := out.String(); msg != "" {
			return fmt.Errorf("%s: %w: %s", a, err, msg)
		}
		return fmt.Errorf("%s: %w", a, err)
	}
	return nil
}

func (a Action) request(ctx context.Context, client *http.Client, builder string) error {
	req, err := http.NewRequestWithContext(ctx, a.method(), a.URL, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	req.Header.Set("X-Kiln-Builder", builder)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", a, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxOutput))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		if msg := strings.TrimSpace(string(body)); msg != "" {
			return fmt.Errorf("%s: %s: %s", a, resp.Status, msg)
		}
		return fmt.Errorf("%s: %s", a, resp.Status)
	}
	return nil
}

// tail keeps the last maxOutput bytes written, for error messages.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > maxOutput {
		t.b = t.b[len(t.b)-maxOutput:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	return strings.Join(strings.Fields(string(bytes.ToValidUTF8(t.b, nil))), " ")
}
