package buildrun

import (
	"fmt"
	"strings"

	"github.com/haikuports/kiln/internal/repo"
	"github.com/haikuports/kiln/internal/store"
)

// Store layout of the records, under the target's .kiln/ prefix:
//
//	.kiln/buildnumber.json                      the next build number (CAS)
//	.kiln/buildruns/<id>/run.json               the run record
//	.kiln/buildruns/<id>/builds/<n>.json        one record per build
//	.kiln/buildruns/<id>/logs/<n>/<seq>.log     build log segments, in order
//	.kiln/buildruns/<id>/builders/<name>/<seq>.log
//	.kiln/buildruns/<id>/master/<seq>.log       the run's own log
//	.kiln/buildruns/<id>/status.json            HaikuPorter's status.json
//	.kiln/buildruns/<id>/report.txt, report.json
type layout struct{ p string } // ends in ".kiln/"

func newLayout(r *repo.Repo) layout {
	return layout{strings.TrimSuffix(r.HeadKey(), "head.json")}
}

func (l layout) buildNumber() string           { return l.p + "buildnumber.json" }
func (l layout) runsPrefix() string            { return l.p + "buildruns/" }
func (l layout) run(id string) string          { return l.p + "buildruns/" + id + "/" }
func (l layout) runRecord(id string) string    { return l.run(id) + "run.json" }
func (l layout) status(id string) string       { return l.run(id) + "status.json" }
func (l layout) reportText(id string) string   { return l.run(id) + "report.txt" }
func (l layout) reportJSON(id string) string   { return l.run(id) + "report.json" }
func (l layout) buildsPrefix(id string) string { return l.run(id) + "builds/" }

func (l layout) build(id string, n int64) string {
	return fmt.Sprintf("%sbuilds/%d.json", l.run(id), n)
}

// logPrefix is the prefix of a log's segments: a build's ("42"), a
// builder's ("builders/<name>") or the run's ("master").
func (l layout) logPrefix(id, log string) string { return l.run(id) + logDir(log) + "/" }

func logDir(log string) string {
	if log == "master" || strings.HasPrefix(log, "builders/") {
		return log
	}
	return "logs/" + log
}

// BuildLog names the log of build n, BuilderLog that of a builder and
// MasterLog the run's own (for Reader.Log).
func BuildLog(n int64) string       { return fmt.Sprint(n) }
func BuilderLog(name string) string { return "builders/" + name }

const MasterLog = "master"

// validRunID accepts ids as newRunID makes them and other safe segments.
func validRunID(id string) bool { return store.SafeSegment(id) }
