package recipe

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// bashShell evaluates recipes with the system's bash, the way HaikuPorter
// does; tests use it as an oracle for the sandboxed evaluator.
func bashShell(ctx context.Context, source *Source, name, dir string, vars []shellVar, timeout time.Duration) (shellResult, error) {
	src := string(source.data)
	f, err := os.CreateTemp("", "kiln-recipe-*.recipe")
	if err != nil {
		return shellResult{}, err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(prepareRecipe(src)); err != nil {
		f.Close()
		return shellResult{}, err
	}
	f.Close()
	var script strings.Builder
	for _, v := range vars {
		script.WriteString(v.Name + "=" + shellQuote(v.Value) + "\n")
	}
	script.WriteString("__kilnFile=" + shellQuote(f.Name()) + "\nset -e\n")
	script.WriteString(prelude(vars))
	script.WriteString(". \"$__kilnFile\" >/dev/null\nset +e\n")
	script.WriteString("for __v in $(compgen -v); do printf '%s\\0%s\\0' \"$__v\" \"${!__v}\"; done\nprintf '\\0'\ndeclare -F | while read -r _ _ __f; do printf '%s\\0' \"$__f\"; done\n")
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = dir
	cmd.Env = []string{"LC_ALL=POSIX", "TERM=xterm", "PATH=" + os.Getenv("PATH")}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return shellResult{}, err
	}
	res := shellResult{vars: map[string]string{}}
	parts := bytes.Split(out.Bytes(), []byte{0})
	i := 0
	for ; i+1 < len(parts) && len(parts[i]) > 0; i += 2 {
		res.vars[string(parts[i])] = string(parts[i+1])
	}
	for i++; i < len(parts); i++ {
		if len(parts[i]) > 0 {
			res.funcs = append(res.funcs, string(parts[i]))
		}
	}
	_ = filepath.Base
	return res, nil
}
