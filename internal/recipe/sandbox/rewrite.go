package sandbox

import (
	"bytes"
	"regexp"

	"mvdan.cc/sh/v3/syntax"
)

// revisionAssignment is HaikuPorter's pattern (Port.py): every
// REVISION="…" on a line gets "; updateRevisionVariables " appended.
var revisionAssignment = regexp.MustCompile(`REVISION="[^"\n]*"`)

// rewriteRevision applies HaikuPorter's textual REVISION rewrite.
func rewriteRevision(src []byte) []byte {
	if !bytes.Contains(src, []byte(`REVISION="`)) {
		return src
	}
	return revisionAssignment.ReplaceAll(src, []byte(`$0; updateRevisionVariables `))
}

// rewriter adapts a parsed recipe to the sandbox (see rewriteFile).
type rewriter struct {
	st      *state
	changed bool
}

func (st *state) rewrite(f *syntax.File) error {
	rw := &rewriter{st: st}
	return rw.file(f)
}

func (rw *rewriter) file(f *syntax.File) error {
	return nil
}
