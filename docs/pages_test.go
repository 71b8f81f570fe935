package docs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// page is a documentation page whose shell blocks TestPages runs.
type page struct {
	name string
	// demo: the test starts `kiln serve` (the built-in demo) in the
	// page's work directory first, as the quick start does (kiln.out,
	// kiln.log), and waits until its first run published; the page takes
	// the admin token from kiln.out itself. Without it the page starts
	// what it needs itself (the quick start does).
	demo    bool
	timeout time.Duration
}

// runPages are the pages that show commands. Every ```sh block of every
// page in docs/ is either run here or marked ```sh no-test
// (TestEveryShellBlockAccounted).
var runPages = []page{
	{name: "quick-start.md", timeout: 3 * time.Minute},
	{name: "doctor.md", timeout: time.Minute},
	{name: "api.md", demo: true, timeout: 3 * time.Minute},
	{name: "operations.md", timeout: 3 * time.Minute},
	{name: "migrating-from-haikuporter.md", timeout: 3 * time.Minute},
	{name: "build.md", timeout: 3 * time.Minute},
}

// demoAddr is the address the pages show (kiln serve's default). The
// test serves on a free loopback port instead and writes its address
// for this one in each block before running it; nothing else of a
// block is changed.
const demoAddr = "127.0.0.1:8080"

// kilnBin is the kiln binary TestMain builds for the pages' blocks.
var kilnBin string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kiln-docs-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	kilnBin = filepath.Join(dir, "kiln")
	// The pages run a kiln built here, outside the test binary: stat
	// every source file of the module so that go test's cache (which
	// records the files a test looks at) reruns the pages when any of
	// them changes, not only when docs/ does.
	if err := statSources(".."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	build := exec.Command("go", "build", "-o", kilnBin, "github.com/haikuports/kiln/cmd/kiln")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building kiln: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// statSources stats go.mod, go.sum and every file below root except
// hidden directories and out/, bin/ (build outputs).
func statSources(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "out" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		_, err = os.Stat(path)
		return err
	})
}

// checkout is kiln's checkout (the parent of docs/).
func checkout(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// TestPages runs every shell block of each page of runPages, in order,
// in one bash (as a reader types them into one terminal: variables and
// the working directory carry over), with `set -eu` (no pipefail, so
// `curl | grep -q` behaves as in an interactive shell), kiln on PATH,
// in an empty work directory under t.TempDir(). A block that
// fails fails the test, naming its page and line, with its output. A
// ```output block right after a shell block lists lines its standard
// output must show, in order (… stands for any text). The process group
// is killed when the page ends, so nothing a page started outlives it.
// The pages run in parallel.
func TestPages(t *testing.T) {
	for _, p := range runPages {
		t.Run(strings.TrimSuffix(p.name, ".md"), func(t *testing.T) {
			t.Parallel() // each page has its own directory, port and processes; they mostly wait
			bs, err := readBlocks(p.name, p.name)
			if err != nil {
				t.Fatal(err)
			}
			runPage(t, p, bs)
		})
	}
}

func runPage(t *testing.T, p page, bs []block) {
	tmp := t.TempDir()
	work, outDir, bin := filepath.Join(tmp, "work"), filepath.Join(tmp, "out"), filepath.Join(tmp, "bin")
	for _, d := range []string{work, outDir, bin, filepath.Join(tmp, "home"), filepath.Join(tmp, "tmp")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(kilnBin, filepath.Join(bin, "kiln")); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	env := pageEnv(tmp, bin, addr)

	ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
	defer cancel()
	if p.demo {
		startDemo(t, ctx, work, env, addr)
	}

	type ran struct {
		b      block
		output string // the ```output block after it, if any
	}
	var script strings.Builder
	script.WriteString("set -eu\n")
	var blocks []ran
	for i, b := range bs {
		if !b.runnable() {
			continue
		}
		r := ran{b: b}
		if i+1 < len(bs) && bs[i+1].lang == "output" {
			r.output = strings.ReplaceAll(bs[i+1].text, demoAddr, addr)
		}
		n := len(blocks)
		blocks = append(blocks, r)
		text := strings.ReplaceAll(b.text, demoAddr, addr)
		fmt.Fprintf(&script, "# ---- %s\n", b)
		if b.has("checkout") {
			fmt.Fprintf(&script, "(cd %q\n%s) ", checkout(t), text)
		} else {
			fmt.Fprintf(&script, "{\n%s} ", text)
		}
		fmt.Fprintf(&script, ">%q 2>%q\necho %d >>%q\n",
			filepath.Join(outDir, strconv.Itoa(n)+".out"), filepath.Join(outDir, strconv.Itoa(n)+".err"),
			n, filepath.Join(outDir, "done"))
	}
	if len(blocks) == 0 {
		t.Fatalf("%s has no shell block to run", p.name)
	}
	scriptPath := filepath.Join(tmp, "page.sh")
	if err := os.WriteFile(scriptPath, []byte(script.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command("bash", scriptPath)
	cmd.Dir, cmd.Env = work, env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var runErr error
	select {
	case runErr = <-waited:
	case <-ctx.Done():
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-waited
		runErr = fmt.Errorf("the page did not finish within %v", p.timeout)
	}
	stopGroup(t, cmd.Process.Pid)

	done := 0
	if data, err := os.ReadFile(filepath.Join(outDir, "done")); err == nil {
		done = len(strings.Fields(string(data)))
	}
	read := func(n int, ext string) string {
		data, _ := os.ReadFile(filepath.Join(outDir, strconv.Itoa(n)+ext))
		return string(data)
	}
	if runErr != nil || done < len(blocks) {
		n := min(done, len(blocks)-1)
		t.Fatalf("%s: block %s failed (%v; %d of %d blocks ran):\n%s\nstdout:\n%s\nstderr:\n%s%s%s",
			p.name, blocks[n].b, runErr, done, len(blocks), blocks[n].b.text, read(n, ".out"), read(n, ".err"), stderr.String(), logTails(work))
	}
	outputs := 0
	for n, r := range blocks {
		if r.output == "" {
			continue
		}
		outputs++
		if ok, line := outputMatches(r.output, read(n, ".out")); !ok {
			t.Errorf("%s: the output of block %s does not show %q (after the lines before it); it printed:\n%s",
				p.name, r.b, line, read(n, ".out"))
		}
	}
	t.Logf("%s: %d shell blocks ran, %d outputs checked", p.name, len(blocks), outputs)
}

// pageEnv is the environment of a page's bash: the test's own (Go, git),
// kiln first on PATH, HOME and TMPDIR under the test's directory, a git
// identity for the commits a page makes, no KILN_ variables of the
// test's (they would configure kiln serve) but KILN_LISTEN, the test's
// address, and no instance metadata.
func pageEnv(tmp, bin, addr string) []string {
	var env []string
	for _, e := range os.Environ() {
		name, _, _ := strings.Cut(e, "=")
		switch {
		case strings.HasPrefix(name, "KILN_"), name == "HOME", name == "TMPDIR", name == "PATH", name == "TOKEN",
			strings.HasPrefix(name, "GIT_"):
			continue
		}
		env = append(env, e)
	}
	return append(env,
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+filepath.Join(tmp, "home"),
		"TMPDIR="+filepath.Join(tmp, "tmp"),
		"GOBIN="+bin, // `go install ./cmd/kiln` in a page puts kiln where the test looks
		"GOCACHE="+goEnv("GOCACHE"), "GOPATH="+goEnv("GOPATH"), "GOMODCACHE="+goEnv("GOMODCACHE"),
		"GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=kiln docs", "GIT_AUTHOR_EMAIL=docs@kiln.invalid",
		"GIT_COMMITTER_NAME=kiln docs", "GIT_COMMITTER_EMAIL=docs@kiln.invalid",
		"AWS_EC2_METADATA_DISABLED=true",
		"KILN_LISTEN="+addr, // a kiln serve the page starts serves on the test's port
	)
}

// goEnv is `go env NAME` of the test's environment (a page's HOME is
// a fresh directory, where go would find no cache).
func goEnv(name string) string {
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// freeAddr is a free port on 127.0.0.1.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// stopGroup ends what a page left running in its process group: SIGTERM
// (kiln serve shuts down cleanly), then SIGKILL after 10 s.
func stopGroup(t *testing.T, pgid int) {
	t.Helper()
	if err := syscall.Kill(-pgid, syscall.SIGTERM); errors.Is(err, syscall.ESRCH) {
		return
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := syscall.Kill(-pgid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
	t.Errorf("a process the page started did not stop on SIGTERM within 10 s (killed)")
}

// startDemo starts `kiln serve` (the built-in demo, ./kiln-data) in dir
// on addr, as the quick start does (its output in kiln.out, its log in
// kiln.log, so a page can read the token from kiln.out as the quick
// start shows), waits until its first run published (the target's head
// lists packages and no run runs) and returns the admin token it
// printed (the page reads it from kiln.out). kiln serve is stopped with SIGTERM when the test ends and
// must exit 0.
func startDemo(t *testing.T, ctx context.Context, dir string, env []string, addr string) string {
	t.Helper()
	cmd := exec.Command(kilnBin, "serve", "--listen", addr)
	cmd.Dir, cmd.Env = dir, env
	logf, err := os.Create(filepath.Join(dir, "kiln.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	outf, err := os.Create(filepath.Join(dir, "kiln.out"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = logf
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	tokens := make(chan string, 1)
	go func() {
		defer outf.Close()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			_, _ = fmt.Fprintln(outf, sc.Text())
			if _, tok, ok := strings.Cut(sc.Text(), "demo admin token (valid until kiln stops): "); ok {
				tokens <- tok
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("kiln serve exited with %v after SIGTERM", err)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("kiln serve did not stop within 15 s of SIGTERM")
		}
	})
	var token string
	select {
	case token = <-tokens:
	case err := <-exited:
		exited <- err
		t.Fatalf("kiln serve exited before serving: %v (log: %s)", err, readLog(dir))
	case <-ctx.Done():
		t.Fatalf("kiln serve printed no token (log: %s)", readLog(dir))
	}
	for {
		if published(ctx, "http://"+addr+"/api/v1/targets/master/x86_64") {
			return token
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the demo's first run did not publish in time (log: %s)", readLog(dir))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// published reports whether the target's head lists packages and no run
// is running.
func published(ctx context.Context, url string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	s := string(body)
	return resp.StatusCode == 200 && strings.Contains(s, `"packages":`) && strings.Contains(s, `"run": null`)
}

// logTails is the end of every *.log file the page wrote in its work
// directory (a kiln serve it started logs there), for a failure message.
func logTails(work string) string {
	logs, _ := filepath.Glob(filepath.Join(work, "*.log"))
	var b strings.Builder
	for _, l := range logs {
		data, _ := os.ReadFile(l)
		if len(data) > 3000 {
			data = data[len(data)-3000:]
		}
		fmt.Fprintf(&b, "\n%s (end):\n%s", filepath.Base(l), data)
	}
	return b.String()
}

func readLog(work string) string {
	data, _ := os.ReadFile(filepath.Join(work, "kiln.log"))
	if len(data) > 4000 {
		data = data[len(data)-4000:]
	}
	return string(data)
}

// TestEveryShellBlockAccounted: every ```sh block of every page in docs/
// is run by TestPages or marked no-test, and a block that shows commands
// (a first line starting with "kiln ", "$ kiln", "curl " or "kubectl ")
// says its language, so no command escapes the tests by an untagged
// fence. It logs the counts.
func TestEveryShellBlockAccounted(t *testing.T) {
	run := map[string]bool{}
	for _, p := range runPages {
		run[p.name] = true
	}
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("decisions/*.md")
	files = append(files, more...)
	sort.Strings(files)
	var ran, notTested int
	for _, f := range files {
		bs, err := readBlocks(f, f)
		if err != nil {
			t.Error(err)
			continue
		}
		for i, b := range bs {
			if b.lang == "output" && (i == 0 || !bs[i-1].runnable() || !run[f]) {
				t.Errorf("%s: an output block that follows no shell block TestPages runs: nothing checks it", b)
			}
			switch {
			case b.lang == "sh" && b.has("no-test"):
				notTested++
			case b.lang == "sh" && run[f]:
				ran++
			case b.lang == "sh":
				t.Errorf("%s: a shell block of a page TestPages does not run: add the page to runPages or mark the block ```sh no-test", b)
			case b.lang == "" && showsCommand(b.text):
				t.Errorf("%s: an untagged block shows a command: tag it ```sh (run) or ```sh no-test", b)
			case b.has("no-test") || b.has("checkout"):
				t.Errorf("%s: flags %v on a %q block (only sh blocks run)", b, b.flags, b.lang)
			}
		}
	}
	for _, p := range runPages {
		if _, err := os.Stat(p.name); err != nil {
			t.Errorf("runPages names %s: %v", p.name, err)
		}
	}
	t.Logf("%d pages: %d shell blocks run, %d marked no-test", len(files), ran, notTested)
}

func showsCommand(text string) bool {
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		for _, p := range []string{"kiln ", "$ kiln", "curl ", "$ curl", "kubectl ", "go run ", "go test "} {
			if strings.HasPrefix(l, p) {
				return true
			}
		}
		return false
	}
	return false
}
