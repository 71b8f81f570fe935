package builder

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDurationText(t *testing.T) {
	var v struct{ D Duration }
	if err := json.Unmarshal([]byte(`{"D":"1h30m"}`), &v); err != nil || time.Duration(v.D) != 90*time.Minute {
		t.Fatalf("got %v, %v", time.Duration(v.D), err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"D":"1h30m0s"}` {
		t.Errorf("marshalled %s", b)
	}
	if err := json.Unmarshal([]byte(`{"D":"15 minutes"}`), &v); err == nil || !strings.Contains(err.Error(), `"15 minutes"`) {
		t.Errorf("bad duration: %v", err)
	}
}
