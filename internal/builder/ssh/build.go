package ssh

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"

	"github.com/haikuports/kiln/internal/builder"
)

// PurgeCommand is HaikuPorter's purge command line for port id
// (name-version), BUILDMASTER.md §2.4 step 1.
func PurgeCommand(cfg *Config, id string) string {
	return `cd "` + cfg.TreePath + `" && "` + cfg.Haikuporter + `" --config="` + cfg.BuilderConf +
		`" --no-package-obsoletion --ignore-messages --purge "` + id + `"`
}

// BuildCommand is HaikuPorter's build command line for port id, §2.4
// step 4 (haikuporter.args pasted in unquoted, as HaikuPorter does).
func BuildCommand(cfg *Config, id string) string {
	return `source /boot/system/boot/SetupEnvironment && cd "` + cfg.TreePath + `" && "` + cfg.Haikuporter +
		`" --config="` + cfg.BuilderConf + `" --no-system-packages --no-package-obsoletion --ignore-messages ` +
		cfg.Args + ` "` + id + `"`
}

// Build implements builder.Builder, following HaikuPorter's runBuild
// (BUILDMASTER.md §2.4): set up if needed, purge, clear the visible
// packages, stage the dependencies, run the build, hand each output to
// job.Collect, purge and clear again. The build log gets haikuporter's
// output and HaikuPorter's own lines ("purging port with command: …",
// "running command: …", "command exit status: N", "download package X
// from builder", "build completed successfully" or "build failed: …").
//
// A non-zero exit or a missing output is builder.ErrBuildFailed; a lost
// connection or an I/O error is builder.ErrTransient (the connection is
// dropped; after MaxTransientFailures in a row the builder is lost and the
// error wraps builder.ErrUnavailable). Failures of the package source,
// job.Log or job.Collect are returned wrapped (ErrTransient unless they
// carry a builder sentinel) without being held against the builder.
func (b *Builder) Build(ctx context.Context, job builder.Job) error {
	if !b.busy.CompareAndSwap(false, true) {
		return fmt.Errorf("ssh builder %s: %w", b.cfg.Name, builder.ErrBusy)
	}
	defer b.busy.Store(false)
	if err := validPortID(job.Port.ID()); err != nil {
		return fmt.Errorf("ssh builder %s: %w: %w", b.cfg.Name, builder.ErrBuildFailed, err)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("ssh builder %s: %s: %w", b.cfg.Name, job.Port.ID(), context.Cause(ctx))
	}
	lw := &logWriter{w: job.Log}
	c, err := b.ensure(ctx)
	if err != nil {
		return err
	}
	err = b.runBuild(ctx, c, job, lw)
	return b.classify(ctx, job, lw, err)
}

// classify writes the closing log line and maps err to the contract's
// errors, applying the state rules.
func (b *Builder) classify(ctx context.Context, job builder.Job, lw *logWriter, err error) error {
	name := b.cfg.Name
	var ee *exitError
	var se *sourceError
	var ce *collectError
	switch {
	case err == nil:
		b.settled()
		lw.line("build completed successfully")
		if lw.err != nil {
			return fmt.Errorf("ssh builder %s: build log: %w: %w", name, builder.ErrTransient, lw.err)
		}
		return nil
	case ctx.Err() != nil:
		lw.line("build failed: " + context.Cause(ctx).Error())
		return fmt.Errorf("ssh builder %s: %s: %w", name, job.Port.ID(), context.Cause(ctx))
	case errors.As(err, &ce), errors.As(err, &se), lw.err != nil && errors.Is(err, lw.err):
		// Not the builder's fault: keep the connection, count nothing.
		lw.line("build failed: " + err.Error())
		if !errors.Is(err, builder.ErrBuildFailed) && !errors.Is(err, builder.ErrTransient) && !errors.Is(err, builder.ErrUnavailable) {
			err = fmt.Errorf("%w: %w", builder.ErrTransient, err)
		}
		return fmt.Errorf("ssh builder %s: %s: %w", name, job.Port.ID(), err)
	case errors.Is(err, builder.ErrBuildFailed) || errors.As(err, &ee):
		b.settled()
		lw.line("build failed: " + err.Error())
		if !errors.Is(err, builder.ErrBuildFailed) {
			err = fmt.Errorf("%w: %w", builder.ErrBuildFailed, err)
		}
		return fmt.Errorf("ssh builder %s: %s: %w", name, job.Port.ID(), err)
	}
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		lw.line("build failed: the builder was closed")
		return fmt.Errorf("ssh builder %s: %s: %w: closed during the build: %w", name, job.Port.ID(), builder.ErrUnavailable, err)
	}
	lw.line("connection failed: " + err.Error())
	b.log.Error("build failed on the connection", "port", job.Port.ID(), "err", err)
	if b.transientFailed(err.Error()) {
		return fmt.Errorf("ssh builder %s: %s: %w: %w", name, job.Port.ID(), builder.ErrUnavailable, err)
	}
	return fmt.Errorf("ssh builder %s: %s: %w: %w", name, job.Port.ID(), builder.ErrTransient, err)
}

func (b *Builder) runBuild(ctx context.Context, c *conn, job builder.Job, lw *logWriter) error {
	id := job.Port.ID()
	purge := func() error {
		cmd := PurgeCommand(b.cfg, id)
		if err := lw.line("purging port with command: " + cmd); err != nil {
			return err
		}
		// HaikuPorter ignores the purge's exit status.
		var ee *exitError
		if err := c.run(ctx, cmd, lw.line); err != nil && !errors.As(err, &ee) {
			return err
		}
		return nil
	}
	if err := purge(); err != nil {
		return err
	}
	if err := b.clearVisiblePackages(c); err != nil {
		return err
	}
	for _, dep := range job.Dependencies {
		if err := b.stage(ctx, c, dep); err != nil {
			return err
		}
	}
	if err := lw.line("building port " + id); err != nil {
		return err
	}
	cmd := BuildCommand(b.cfg, id)
	if err := lw.line("running command: " + cmd); err != nil {
		return err
	}
	err := c.run(ctx, cmd, lw.line)
	var ee *exitError
	switch {
	case err == nil:
		lw.line("command exit status: 0")
	case errors.As(err, &ee):
		status := ee.status
		if ee.signal != "" {
			status = -1 // no exit status, as paramiko reports a killed command
		}
		lw.line("command exit status: " + strconv.Itoa(status))
		purge()
		b.clearVisiblePackages(c)
		return fmt.Errorf("%w: haikuporter: %w", builder.ErrBuildFailed, err)
	default:
		if errors.Is(err, errDisconnected) {
			lw.line("command exit status: -1")
		}
		return err
	}
	for _, file := range job.Outputs {
		if err := b.fetch(ctx, c, job, lw, file); err != nil {
			return err
		}
	}
	if err := purge(); err != nil {
		return err
	}
	return b.clearVisiblePackages(c)
}

// fetch hands one produced package to job.Collect, streamed over SFTP.
func (b *Builder) fetch(ctx context.Context, c *conn, job builder.Job, lw *logWriter, file string) error {
	if err := validFileName(file); err != nil {
		return fmt.Errorf("%w: output %w", builder.ErrBuildFailed, err)
	}
	if err := lw.line("download package " + file + " from builder"); err != nil {
		return err
	}
	f, err := c.sftp.Open(b.cfg.Packages + "/" + file)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: expected package %s was not produced", builder.ErrBuildFailed, file)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is not a regular file", builder.ErrBuildFailed, file)
	}
	size := fi.Size()
	if job.Collect == nil {
		return &collectError{fmt.Errorf("no Collect for %s", file)}
	}
	// The file is read with concurrent SFTP requests (WriteTo), in order,
	// into a pipe Collect reads from: throughput does not hang on the
	// link's latency, and memory stays bounded by the requests in flight.
	pr, pw := io.Pipe()
	readDone := make(chan error, 1)
	go func() {
		_, err := f.WriteTo(pw)
		pw.CloseWithError(err) // nil: EOF after the last byte
		readDone <- err
	}()
	r := &countingReader{r: io.LimitReader(pr, size)}
	cerr := job.Collect(ctx, file, r, size)
	pr.CloseWithError(errCollectDone) // stops WriteTo if Collect returned early
	rerr := <-readDone
	if rerr != nil && !errors.Is(rerr, errCollectDone) {
		return fmt.Errorf("read %s: %w", file, rerr) // the connection failed under Collect
	}
	if cerr != nil {
		return &collectError{fmt.Errorf("collect %s: %w", file, cerr)}
	}
	if r.n != size {
		return &collectError{fmt.Errorf("collect %s: consumed %d of %d bytes", file, r.n, size)}
	}
	return nil
}

// errCollectDone closes the pipe of a fetch once Collect has returned.
var errCollectDone = errors.New("collect returned")

// collectError is a failure of job.Collect (the master's side).
type collectError struct{ err error }

func (e *collectError) Error() string { return e.err.Error() }
func (e *collectError) Unwrap() error { return e.err }

type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// logWriter writes lines to the job's log; after the first error it
// drops everything and keeps the error.
type logWriter struct {
	w   io.Writer
	err error
}

func (l *logWriter) line(s string) error {
	if l.err != nil {
		return l.err
	}
	if l.w == nil {
		return nil
	}
	if _, err := io.WriteString(l.w, s+"\n"); err != nil {
		l.err = fmt.Errorf("build log: %w", err)
	}
	return l.err
}

func validPortID(id string) error {
	if id == "-" || id == "" {
		return fmt.Errorf("empty port")
	}
	return validFileName(id)
}

func validFileName(s string) error {
	for _, r := range s {
		switch r {
		case '/', '"', '`', '$', '\\', '\n', '\'':
			return fmt.Errorf("%q contains %q", s, r)
		}
	}
	if s == "" || s == "." || s == ".." {
		return fmt.Errorf("%q is not a file name", s)
	}
	return nil
}
