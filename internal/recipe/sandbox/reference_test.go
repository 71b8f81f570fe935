package sandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/haikuports/kiln/internal/testenv"
)

// TestCorpusMatchesHaikuPorter compares what the sandbox evaluates with
// what HaikuPorter itself computed for the same tree (its recipeCache):
// defined phases, REVISION, SUMMARY, SOURCE_URI and the provides/requires
// lists of every package, after the list processing of HaikuPorter's
// ConfigParser (split lines, strip, drop empty, lower-case).
func TestCorpusMatchesHaikuPorter(t *testing.T) {
	if testing.Short() {
		t.Skip("whole corpus skipped in -short mode")
	}
	cacheDir := filepath.Join(testenv.Reference(t), "recipeCache")
	rs, outs := evaluatedCorpus(t)
	compared, mismatches := 0, 0
	for i, r := range rs {
		base := strings.TrimSuffix(filepath.Base(r.rel), ".recipe")
		raw, err := os.ReadFile(filepath.Join(cacheDir, base+"-x86_64"))
		if err != nil {
			continue // HaikuPorter did not evaluate this version
		}
		var cache []json.RawMessage
		if err := json.Unmarshal(raw, &cache); err != nil || len(cache) != 2 {
			t.Fatalf("%s: bad cache entry: %v", base, err)
		}
		if outs[i].err != nil {
			t.Errorf("%s: sandbox failed where HaikuPorter succeeded: %v", r.rel, outs[i].err)
			continue
		}
		if reason, ok := referenceExceptions[r.rel]; ok {
			t.Logf("%s: not compared: %s", r.rel, reason)
			continue
		}
		compared++
		for _, d := range compareWithCache(outs[i].res, cache) {
			mismatches++
			if mismatches <= 50 {
				t.Errorf("%s: %s", r.rel, d)
			}
		}
	}
	t.Logf("compared %d recipes with HaikuPorter's recipeCache, %d mismatches", compared, mismatches)
	if compared < 3400 {
		t.Errorf("only %d recipes compared", compared)
	}
}

// referenceExceptions are recipes whose evaluation cannot match the
// reference because of the corpus itself.
var referenceExceptions = map[string]string{
	"app-text/texlive/texlive-2026.recipe": "sources additional-files/subpackageInfos.sh, an empty placeholder in the corpus",
}

func compareWithCache(res *Result, cache []json.RawMessage) []string {
	var entries map[string]map[string]any
	var phases []string
	json.Unmarshal(cache[0], &entries)
	json.Unmarshal(cache[1], &phases)
	var diffs []string
	var got []string
	for _, p := range []string{"PATCH", "BUILD", "TEST", "INSTALL"} {
		if res.HasFunc(p) {
			got = append(got, p)
		}
	}
	slices.Sort(got)
	slices.Sort(phases)
	if !slices.Equal(got, phases) {
		diffs = append(diffs, fmt.Sprintf("phases %v, HaikuPorter %v", got, phases))
	}
	base := entries[""]
	if rev, ok := base["REVISION"].(float64); ok {
		if n, err := strconv.Atoi(strings.TrimSpace(res.Vars["REVISION"])); err != nil || n != int(rev) {
			diffs = append(diffs, fmt.Sprintf("REVISION %q, HaikuPorter %v", res.Vars["REVISION"], rev))
		}
	}
	if s, ok := base["SUMMARY"].(string); ok && s != printed(res, "SUMMARY") {
		diffs = append(diffs, fmt.Sprintf("SUMMARY %q, HaikuPorter %q", res.Vars["SUMMARY"], s))
	}
	if uris, ok := base["SOURCE_URI"].(map[string]any); ok {
		for idx, want := range uris {
			key := "SOURCE_URI_" + idx
			v, set := res.Printed(key)
			if !set && idx == "1" {
				v = printed(res, "SOURCE_URI")
			}
			if g := configList(v, false); !reflect.DeepEqual(g, toStrings(want)) {
				diffs = append(diffs, fmt.Sprintf("%s %q, HaikuPorter %q", key, g, want))
			}
		}
	}
	for ext, e := range entries {
		for _, key := range []string{"PROVIDES", "REQUIRES", "BUILD_REQUIRES", "BUILD_PREREQUIRES"} {
			want, ok := e[key].([]any)
			if !ok || (ext != "" && strings.HasPrefix(key, "BUILD")) {
				continue
			}
			name := key
			if ext != "" {
				name += "_" + ext
			}
			g := configList(printed(res, name), true)
			if !reflect.DeepEqual(g, toStrings(want)) {
				diffs = append(diffs, fmt.Sprintf("%s %q, HaikuPorter %q", name, g, want))
			}
		}
	}
	slices.Sort(diffs)
	return diffs
}

// configList is HaikuPorter's list attribute processing.
func configList(v string, lower bool) []string {
	out := []string{}
	for l := range strings.SplitSeq(v, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if lower {
			l = strings.ToLower(l)
		}
		out = append(out, l)
	}
	return out
}

func toStrings(v any) []string {
	out := []string{}
	if l, ok := v.([]any); ok {
		for _, x := range l {
			s, _ := x.(string)
			out = append(out, s)
		}
	}
	return out
}

func printed(r *Result, name string) string {
	v, _ := r.Printed(name)
	return v
}
