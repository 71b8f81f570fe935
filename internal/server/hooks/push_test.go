package hooks

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func readPush(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/push.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePush(t *testing.T) {
	p, err := ParsePush(readPush(t))
	if err != nil {
		t.Fatal(err)
	}
	want := Push{
		Ref: "refs/heads/master", Branch: "master",
		After:      "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
		Before:     "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
		CloneURL:   "https://github.com/haikuports/haikuports.git",
		Repository: "haikuports/haikuports",
	}
	if p != want {
		t.Errorf("ParsePush = %+v\nwant %+v", p, want)
	}
}

func TestParsePushErrors(t *testing.T) {
	good := string(readPush(t))
	after := "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"
	for _, tc := range []struct {
		name, old, new string
		want           error
	}{
		{"tag", `"refs/heads/master"`, `"refs/tags/v1.0"`, ErrNotBranch},
		{"deleted", `"deleted": false`, `"deleted": true`, ErrNotBranch},
		{"zero after", `"after": "` + after, `"after": "0000000000000000000000000000000000000000`, ErrNotBranch},
		{"no ref", `"ref": "refs/heads/master",`, ``, ErrInvalid},
		{"ref not under refs", `"refs/heads/master"`, `"master"`, ErrInvalid},
		{"bad branch", `"refs/heads/master"`, `"refs/heads/a..b"`, ErrInvalid},
		{"branch with space", `"refs/heads/master"`, `"refs/heads/a b"`, ErrInvalid},
		{"empty branch", `"refs/heads/master"`, `"refs/heads/"`, ErrInvalid},
		{"lock", `"refs/heads/master"`, `"refs/heads/x.lock"`, ErrInvalid},
		{"short after", after, after[:39], ErrInvalid},
		{"upper-case after", `"after": "` + after, `"after": "` + strings.ToUpper(after), ErrInvalid},
		{"after a number", `"after": "` + after + `"`, `"after": 1`, ErrInvalid},
		{"bad before", `"6113728f27ae82c7b1a177c8d03f9e96e0adf246"`, `"x"`, ErrInvalid},
		{"no clone url", `"clone_url": "https://github.com/haikuports/haikuports.git",`, ``, ErrInvalid},
		{"file clone url", `https://github.com/haikuports/haikuports.git"`, `file:///etc"`, ErrInvalid},
		{"not an object", good, `[1,2]`, ErrInvalid},
		{"truncated", good, good[:len(good)/2], ErrInvalid},
		{"trailing data", good, good + "{}", ErrInvalid},
		{"empty", good, ``, ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("edit %q not in the payload", tc.old)
			}
			_, err := ParsePush([]byte(strings.Replace(good, tc.old, tc.new, 1)))
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
}

// FuzzParsePush: no input panics; an accepted push satisfies the
// contract (a branch of refs/heads, commit ids, a URL).
func FuzzParsePush(f *testing.F) {
	f.Add(readPush(f))
	f.Add([]byte(`{"ref":"refs/heads/a","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","repository":{"clone_url":"git://h/x"}}`))
	f.Add([]byte(`{"ref":"refs/tags/a","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","repository":{"clone_url":"git://h/x"}}`))
	f.Add([]byte(`{"ref":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePush(b)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotBranch) {
				t.Fatalf("error %v wraps no sentinel", err)
			}
			if len(err.Error()) > 1000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if p.Ref != "refs/heads/"+p.Branch || !validRefName(p.Branch) || !validCommit(p.After) || p.After == zeroCommit {
			t.Fatalf("accepted %+v", p)
		}
		if p.Before != "" && !validCommit(p.Before) {
			t.Fatalf("accepted before %q", p.Before)
		}
		if validCloneURL(p.CloneURL) != nil {
			t.Fatalf("accepted clone url %q", p.CloneURL)
		}
	})
}
