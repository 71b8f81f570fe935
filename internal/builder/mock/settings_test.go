package mock

import (
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
	"github.com/haikuports/kiln/internal/hpkg"
)

func TestSettings(t *testing.T) {
	s := Settings{Count: 3, Seed: 9, Duration: "lognormal", Median: builder.Duration(2 * time.Minute), Sigma: 1,
		Compression: "zstd", FailRate: 0.1, Ports: map[string]string{"gcc": "fail", "zlib-1.3.2": "hang"}}
	bs, err := s.Builders(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 3 || bs[0].Name() != "mock-1" || bs[2].Name() != "mock-3" {
		t.Fatalf("builders %d, first %s", len(bs), bs[0].Name())
	}
	c := bs[1].cfg
	if c.Durations.Median != 2*time.Minute || c.Durations.Dist != DistLogNormal || c.Compression != hpkg.CompressionZstd ||
		c.Ports["gcc"].Result != ResultFail || c.Ports["zlib-1.3.2"].Result != ResultHang || c.Seed != 9 {
		t.Errorf("config %+v", c)
	}
	one, err := Settings{}.Configs(nil, nil)
	if err != nil || len(one) != 1 || one[0].Name != "mock" {
		t.Errorf("default settings: %+v, %v", one, err)
	}
	for _, c := range []struct {
		s    Settings
		want string
	}{
		{Settings{Compression: "lzma"}, `"lzma"`},
		{Settings{Ports: map[string]string{"gcc": "explode"}}, `port gcc: result "explode"`},
		{Settings{Ports: map[string]string{"gcc": ""}}, `port gcc: result ""`},
		{Settings{Duration: "normal"}, `"normal"`},
		{Settings{Count: -1}, "count -1"},
		{Settings{FailRate: 2}, "fail rate 2"},
	} {
		if _, err := c.s.Configs(nil, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.s, err, c.want)
		}
	}
}
