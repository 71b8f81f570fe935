package buildrun

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/store"
)

// The existing HaikuPorter frontend (buildmaster.js) finds runs through
// two files beside the run folders: buildruns/last_buildrun (the newest
// run's id) and buildruns/buildruns.txt (every run id, one a line, oldest
// first). They are an index, derived from the run folders: rewritten when
// a run starts, never read by kiln itself.
const (
	lastRunFile  = "last_buildrun"
	runsListFile = "buildruns.txt"
)

func (l layout) lastRun() string  { return l.runsPrefix() + lastRunFile }
func (l layout) runsList() string { return l.runsPrefix() + runsListFile }

// writeRunIndex rewrites the frontend's index after run id was recorded.
// Two kilns starting runs at once may each write a list missing the
// other's newest run; the next start repairs it (the run folders, not
// the index, are the truth).
func writeRunIndex(ctx context.Context, st store.Store, rd *Reader, l layout, id string) error {
	ids, err := rd.RunIDs(ctx)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, x := range ids {
		b.WriteString(x)
		b.WriteByte('\n')
	}
	for _, f := range []struct {
		key  string
		data []byte
	}{{l.runsList(), b.Bytes()}, {l.lastRun(), []byte(id + "\n")}} {
		if _, err := st.Put(ctx, f.key, bytes.NewReader(f.data), int64(len(f.data)), store.PutOptions{ContentType: "text/plain"}); err != nil {
			return fmt.Errorf("buildrun: write %s: %w", strings.TrimPrefix(f.key, l.p), err)
		}
	}
	return nil
}
