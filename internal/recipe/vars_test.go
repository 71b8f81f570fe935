package recipe

import (
	"reflect"
	"testing"
)

// TestParseVars: parsing the variables directly gives what parsing the
// evaluator's printed output gives (entries, phases, warnings, the same
// error), whatever line breaks, \n sequences and key=value pieces the
// values hold.
func TestParseVars(t *testing.T) {
	pieces := []string{"", "a", "x y", "\n", "\r", "\r\n", "\n\r", "\v", "\f", "\x1c", "\x1e", "\u0085", "\u2028", "\u2029",
		"\\n", "\\", "=", "é", "A-b", " ?x86 ", "all", "2", "\rPROVIDES_x=q", "\v_PROVIDES=b", "\fSOURCE_URI_3=c",
		"\u2028BUILD_DEFINED=1", "\rREVISION=x", "\rSOURCE_URI_2=d"}
	values := []string{}
	for _, a := range pieces {
		for _, b := range pieces {
			values = append(values, a+b, "v"+a+"w"+b)
		}
	}
	keys := []string{"SUMMARY", "DESCRIPTION", "PROVIDES", "PROVIDES_devel", "REQUIRES_x", "lower", "HOMEPAGE",
		"SOURCE_URI_2", "REVISION", "ARCHITECTURES_devel", "COPYRIGHT"}
	for i := 0; i+len(keys) <= len(values); i += 3 {
		vars := map[string]string{}
		for j, k := range keys {
			vars[k] = values[(i+j*7)%len(values)]
		}
		phases := [][]string{nil, {"BUILD"}, {"INSTALL", "BUILD", "TEST", "PATCHES"}}[i%3]
		want, wantErr := parseOutput(evaluatorOutput(vars, phases), "f")
		got, err := parseVars(vars, phases, "f")
		if !reflect.DeepEqual(got, want) || errString(err) != errString(wantErr) {
			t.Fatalf("%q:\n got %+v, %v\nwant %+v, %v", vars, got, err, want, wantErr)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestKeySplit: which attribute, index and extension a key names, and the
// warnings ConfigParser's splitting gives.
func TestKeySplit(t *testing.T) {
	tests := []struct {
		key, base, index, ext string
		ok                    bool
		warnings, phases      int
	}{
		{"PROVIDES", "PROVIDES", "1", "", true, 0, 0},
		{"PROVIDES_devel", "PROVIDES", "", "devel", true, 0, 0},
		{"PROVIDES_tools_devel", "PROVIDES", "", "tools_devel", true, 0, 0},
		{"PROVIDES__x", "PROVIDES", "", "_x", true, 0, 0},
		{"PROVIDES_", "PROVIDES", "", "", true, 0, 0},
		{"_PROVIDES_x", "PROVIDES", "", "x", true, 0, 0},
		{"__SOURCE_URI", "SOURCE_URI", "1", "prev", true, 0, 0},
		{"SOURCE_URI_2", "SOURCE_URI", "2", "prev", true, 0, 0},
		{"SOURCE_URI_02", "SOURCE_URI", "02", "prev", true, 0, 0},
		{"SOURCE_URI_", "", "", "prev", false, 2, 0},
		{"SOURCE_URI_2_3", "", "", "prev", false, 2, 0},
		{"SOURCE_URI_x", "", "", "prev", false, 2, 0},
		{"REVISION_devel", "", "", "prev", false, 2, 0},
		{"BUILD_DEFINED", "", "", "prev", false, 0, 1},
		{"PATCHES_DEFINED", "", "", "prev", false, 2, 0},
		{"FOO", "", "", "prev", false, 1, 0},
		{"", "", "", "prev", false, 1, 0},
		{"___", "", "", "prev", false, 1, 0},
	}
	for _, tt := range tests {
		kp := newKeyParser("f")
		kp.extension = "prev"
		id, index, ok := kp.split(tt.key)
		base := ""
		if ok {
			base = attributeTable[id].name
		}
		if base != tt.base || index != tt.index || ok != tt.ok || kp.extension != tt.ext ||
			len(kp.pr.warnings) != tt.warnings || len(kp.pr.definedPhases) != tt.phases {
			t.Errorf("split(%q) = %q, %q, %t, extension %q, warnings %q, phases %q", tt.key, base, index, ok,
				kp.extension, kp.pr.warnings, kp.pr.definedPhases)
		}
	}
}
