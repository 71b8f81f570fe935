package buildrun

import (
	"encoding/json"
	"testing"
)

// checkFrontendKeys checks that a status.json has every key (and shape)
// HaikuPorter's buildmaster.js and overview.js read (BUILDMASTER.md §3.3).
func checkFrontendKeys(t testing.TB, b []byte) {
	t.Helper()
	var st map[string]any
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"portsTreeOriginURL", "portsTreeHead", "buildStatus", "startTime", "endTime", "nextBuildNumber"} {
		if _, ok := st[k]; !ok {
			t.Errorf("status.json lacks %s", k)
		}
	}
	port := func(where string, e map[string]any) {
		p, ok := e["port"].(map[string]any)
		if !ok {
			t.Errorf("%s: no port", where)
			return
		}
		for _, k := range []string{"name", "version", "revision", "revisionedName", "recipeFilePath"} {
			if _, ok := p[k].(string); !ok {
				t.Errorf("%s: port.%s is not a string", where, k)
			}
		}
	}
	builds, _ := st["builds"].(map[string]any)
	for _, s := range []string{"active", "scheduled", "blocked", "complete", "failed", "lost", "skipped"} {
		list, ok := builds[s].([]any)
		if !ok {
			t.Errorf("builds.%s is not a list", s)
			continue
		}
		for _, x := range list {
			e := x.(map[string]any)
			port("builds."+s, e)
			keys := []string{"resultingPackages", "requiredPackages", "missingPackageIDs", "buildNumbers"}
			if s == "skipped" {
				keys = []string{"resultingPackages"}
				if _, ok := e["reason"].(string); !ok {
					t.Errorf("builds.skipped: no reason")
				}
			}
			for _, k := range keys {
				if _, ok := e[k].([]any); !ok {
					t.Errorf("builds.%s: %s is not a list", s, k)
				}
			}
		}
	}
	builders, _ := st["builders"].(map[string]any)
	for _, s := range []string{"active", "reconnecting", "idle", "lost"} {
		list, ok := builders[s].([]any)
		if !ok {
			t.Errorf("builders.%s is not a list", s)
			continue
		}
		for _, x := range list {
			e := x.(map[string]any)
			if _, ok := e["name"].(string); !ok {
				t.Errorf("builders.%s: no name", s)
			}
			for _, k := range []string{"connectionErrors", "maxConnectionErrors"} {
				if _, ok := e[k].(float64); !ok {
					t.Errorf("builders.%s: %s is not a number", s, k)
				}
			}
			cb, has := e["currentBuild"]
			if !has {
				t.Errorf("builders.%s: no currentBuild key", s)
			}
			if s == "active" {
				m, ok := cb.(map[string]any)
				if !ok {
					t.Errorf("builders.active: currentBuild is %v", cb)
					continue
				}
				if _, ok := m["number"].(float64); !ok {
					t.Errorf("builders.active: currentBuild.number")
				}
				if bb, ok := m["build"].(map[string]any); ok {
					port("builders.active.currentBuild.build", bb)
				} else {
					t.Errorf("builders.active: currentBuild.build")
				}
			}
		}
	}
}
