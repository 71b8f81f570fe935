package pkginfo

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestExpressionJSON(t *testing.T) {
	tests := []struct {
		e    Expression
		want string
	}{
		{Expression{Name: "haiku"}, `{"name":"haiku"}`},
		{Expression{Name: "lib:libz", Op: OpLess, Version: Version{Major: "2"}}, `{"name":"lib:libz","op":"<","version":"2"}`},
		{Expression{Name: "haiku", Op: OpGreaterEqual, Version: Version{Major: "r1", PreRelease: "beta4"}}, `{"name":"haiku","op":">=","version":"r1~beta4"}`},
		{Expression{Name: "zlib", Op: OpEqual, Version: Version{Major: "1", Minor: "3"}, Base: true}, `{"name":"zlib","op":"==","version":"1.3","base":true}`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(tt.e); err != nil {
			t.Fatal(err)
		}
		b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
		if string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, want %s", tt.e, b, tt.want)
		}
		var back Expression
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if back != tt.e {
			t.Errorf("round trip of %s = %+v, want %+v", b, back, tt.e)
		}
	}
	for _, bad := range []string{`{"name":"a","version":"1"}`, `{"name":"a","op":"=>","version":"1"}`, `{"name":"a","op":4,"version":"1"}`} {
		var e Expression
		if err := json.Unmarshal([]byte(bad), &e); err == nil {
			t.Errorf("Unmarshal(%s) = %+v, want an error", bad, e)
		}
	}
}
