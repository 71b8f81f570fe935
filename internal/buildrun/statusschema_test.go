package buildrun

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
)

// The shape of status.json that HaikuPorter's web frontend reads
// (BUILDMASTER.md §3.2 keys and types, §3.3 what buildmaster.js and
// overview.js read), written down independently of Status so that a
// renamed field, a null array or a time in the wrong unit is caught.

// schema checks one JSON value (as decoded into any) at path.
type schema interface {
	check(path string, v any) []string
}

type scalar string // "string", "bool", "int", "epoch" (float seconds or null)

func (s scalar) check(path string, v any) []string {
	bad := func() []string { return []string{fmt.Sprintf("%s: %s, want %s", path, describe(v), s)} }
	switch s {
	case "string":
		if _, ok := v.(string); !ok {
			return bad()
		}
	case "bool":
		if _, ok := v.(bool); !ok {
			return bad()
		}
	case "int":
		if f, ok := v.(float64); !ok || f != math.Trunc(f) || f < 0 {
			return bad()
		}
	case "epoch":
		if v == nil {
			return nil
		}
		// Seconds since 1970, between 2001 and 2286: milliseconds or
		// nanoseconds would be far larger.
		if f, ok := v.(float64); !ok || f < 1e9 || f > 1e10 {
			return bad()
		}
	}
	return nil
}

// object: every key present (more are allowed); null is not an object.
type object map[string]schema

func (o object) check(path string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %s, want an object", path, describe(v))}
	}
	var errs []string
	keys := make([]string, 0, len(o))
	for k := range o {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		val, ok := m[k]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s.%s: missing", path, k))
			continue
		}
		errs = append(errs, o[k].check(path+"."+k, val)...)
	}
	return errs
}

// array of elem; never null.
type array struct{ elem schema }

func (a array) check(path string, v any) []string {
	s, ok := v.([]any)
	if !ok {
		return []string{fmt.Sprintf("%s: %s, want an array", path, describe(v))}
	}
	var errs []string
	for i, e := range s {
		errs = append(errs, a.elem.check(fmt.Sprintf("%s[%d]", path, i), e)...)
	}
	return errs
}

// nullable is s or null.
type nullable struct{ s schema }

func (n nullable) check(path string, v any) []string {
	if v == nil {
		return nil
	}
	return n.s.check(path, v)
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T %v", v, v)
}

var (
	str, boolean, integer, epochOrNull = scalar("string"), scalar("bool"), scalar("int"), scalar("epoch")

	statusPort = object{"name": str, "version": str, "revision": str, "revisionedName": str, "recipeFilePath": str}
	// A scheduled build (builds.{active,…,lost}[] and currentBuild.build).
	statusBuildSchema = object{"port": statusPort, "resultingPackages": array{str}, "requiredPackages": array{str},
		"missingPackageIDs": array{str}, "buildable": boolean, "buildNumbers": array{integer}, "lost": boolean}
	statusSkippedSchema = object{"port": statusPort, "resultingPackages": array{str}, "reason": str}
	statusBuilderSchema = object{"name": str, "state": str, "availablePackages": array{str}, "connectionErrors": integer,
		"maxConnectionErrors": integer, "currentBuild": nullable{object{"build": statusBuildSchema, "number": integer}}}
	statusSchema = object{
		"portsTreeOriginURL": str, "portsTreeHead": str, "buildStatus": str, "startTime": epochOrNull, "endTime": epochOrNull,
		"nextBuildNumber": integer,
		"builders": object{"active": array{statusBuilderSchema}, "reconnecting": array{statusBuilderSchema},
			"idle": array{statusBuilderSchema}, "lost": array{statusBuilderSchema}},
		"builds": object{"active": array{statusBuildSchema}, "scheduled": array{statusBuildSchema}, "blocked": array{statusBuildSchema},
			"complete": array{statusBuildSchema}, "failed": array{statusBuildSchema}, "lost": array{statusBuildSchema},
			"skipped": array{statusSkippedSchema}},
	}
)

// statusBuildLists are the builds.* lists of scheduled builds.
var statusBuildLists = []string{"active", "scheduled", "blocked", "complete", "failed", "lost"}

// checkStatusJSON checks data against the frontend's schema and the rules
// the frontend relies on: an active builder has a current build, the
// others none; every scheduled build has a build number, a relative
// recipe path and revisionedName name-version-revision; requiredPackages
// are sorted; a build is in one list only. It returns the decoded
// document for further checks.
func checkStatusJSON(t testing.TB, data []byte) map[string]any {
	t.Helper()
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("status.json: %v", err)
	}
	errs := statusSchema.check("status", doc)
	if len(errs) > 0 {
		t.Fatalf("status.json does not have the frontend's shape:\n%s", strings.Join(errs, "\n"))
	}
	m := doc.(map[string]any)
	list := func(group, name string) []map[string]any {
		var out []map[string]any
		for _, e := range m[group].(map[string]any)[name].([]any) {
			out = append(out, e.(map[string]any))
		}
		return out
	}
	for _, name := range []string{"active", "reconnecting", "idle", "lost"} {
		for _, b := range list("builders", name) {
			if (name == "active") != (b["currentBuild"] != nil) {
				t.Errorf("status.json: builder %v in builders.%s has currentBuild %v", b["name"], name, b["currentBuild"])
			}
		}
	}
	seen := map[float64]string{}
	for _, name := range statusBuildLists {
		for _, b := range list("builds", name) {
			port := b["port"].(map[string]any)
			rn := fmt.Sprint(port["name"], "-", port["version"], "-", port["revision"])
			if port["revisionedName"] != rn {
				t.Errorf("status.json: builds.%s: revisionedName %q, want %q", name, port["revisionedName"], rn)
			}
			if p := port["recipeFilePath"].(string); p == "" || strings.HasPrefix(p, "/") || !strings.HasSuffix(p, ".recipe") {
				t.Errorf("status.json: builds.%s: %s: recipeFilePath %q is not a path in the tree", name, rn, p)
			}
			nums := b["buildNumbers"].([]any)
			if len(nums) == 0 {
				t.Errorf("status.json: builds.%s: %s has no build number", name, rn)
				continue
			}
			if prev, dup := seen[nums[0].(float64)]; dup {
				t.Errorf("status.json: build %v is in builds.%s and builds.%s", nums[0], prev, name)
			}
			seen[nums[0].(float64)] = name
			var req []string
			for _, r := range b["requiredPackages"].([]any) {
				req = append(req, r.(string))
			}
			if !slices.IsSorted(req) {
				t.Errorf("status.json: builds.%s: %s: requiredPackages not sorted", name, rn)
			}
			if len(b["resultingPackages"].([]any)) == 0 {
				t.Errorf("status.json: builds.%s: %s has no resulting packages", name, rn)
			}
		}
	}
	return m
}

// statusLen is the length of m[group][name].
func statusLen(m map[string]any, group, name string) int {
	return len(m[group].(map[string]any)[name].([]any))
}

// TestStatusSchemaRejects: the checker finds what the frontend would
// trip over.
func TestStatusSchemaRejects(t *testing.T) {
	good := `{"portsTreeOriginURL":"u","portsTreeHead":"h","buildStatus":"complete","startTime":1764750000.5,"endTime":null,"nextBuildNumber":3,
"builders":{"active":[],"reconnecting":[],"idle":[{"name":"b","state":"available","availablePackages":[],"connectionErrors":0,"maxConnectionErrors":100,"currentBuild":null}],"lost":[]},
"builds":{"active":[],"scheduled":[],"blocked":[],"complete":[{"port":{"name":"a","version":"1","revision":"2","revisionedName":"a-1-2","recipeFilePath":"c/a/a-1.recipe"},
"resultingPackages":["a-1-2-x86_64.hpkg"],"requiredPackages":[],"missingPackageIDs":[],"buildable":true,"buildNumbers":[2],"lost":false}],"failed":[],"lost":[],"skipped":[]}}`
	if errs := statusSchema.check("status", decodeAny(t, good)); len(errs) > 0 {
		t.Fatalf("good document rejected: %v", errs)
	}
	for _, tc := range []struct{ from, to, want string }{
		{`"blocked":[]`, `"blocked":null`, "status.builds.blocked: null, want an array"},
		{`"startTime":1764750000.5`, `"startTime":1764750000500`, "status.startTime"},
		{`"startTime":1764750000.5`, `"startTime":"2026-12-03"`, "status.startTime"},
		{`"portsTreeHead":"h",`, ``, "status.portsTreeHead: missing"},
		{`"buildNumbers":[2]`, `"buildNumbers":["2"]`, "buildNumbers[0]"},
		{`"revisionedName":"a-1-2",`, ``, "port.revisionedName: missing"},
		{`"currentBuild":null`, `"currentBuild":{"number":1}`, "currentBuild.build: missing"},
		{`"missingPackageIDs":[]`, `"missingPackageIDs":null`, "missingPackageIDs: null"},
	} {
		doc := strings.Replace(good, tc.from, tc.to, 1)
		errs := strings.Join(statusSchema.check("status", decodeAny(t, doc)), "\n")
		if !strings.Contains(errs, tc.want) {
			t.Errorf("%s -> %s: errors %q, want %q", tc.from, tc.to, errs, tc.want)
		}
	}
}

func decodeAny(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
