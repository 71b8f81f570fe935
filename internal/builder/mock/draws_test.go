package mock

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/haikuports/kiln/internal/builder"
)

func TestDurationsDraw(t *testing.T) {
	med := 10 * time.Minute
	d := Durations{Dist: DistLogNormal, Median: med, Sigma: 1}
	r := rng(1, "test")
	var ds []time.Duration
	for range 4001 {
		ds = append(ds, d.Draw(r))
	}
	slices.Sort(ds)
	if got := ds[len(ds)/2]; got < med*9/10 || got > med*11/10 {
		t.Errorf("lognormal median of 4001 draws = %v, want about %v", got, med)
	}
	if ds[len(ds)/10] > med/2 || ds[len(ds)*9/10] < 2*med {
		t.Errorf("sigma 1 should spread: 10th %v, 90th percentile %v", ds[len(ds)/10], ds[len(ds)*9/10])
	}
	d.Max = 15 * time.Minute
	for range 1000 {
		if v := d.Draw(r); v > d.Max {
			t.Fatalf("draw %v above Max %v", v, d.Max)
		}
	}
	if v := (Durations{Dist: DistFixed, Median: time.Second}).Draw(r); v != time.Second {
		t.Errorf("fixed = %v", v)
	}
	if v := (Durations{Median: time.Second}).Draw(r); v != 0 {
		t.Errorf("zero = %v", v)
	}
}

func TestDecideDeterministic(t *testing.T) {
	cfg := Config{Name: "a", Seed: 42, FailRate: 0.2, TransientRate: 0.1, HangRate: 0.05,
		Durations: Durations{Dist: DistLogNormal, Median: time.Minute, Sigma: 1}}
	a, _ := New(cfg)
	cfg.Name = "b"
	b, _ := New(cfg)
	cfg.Seed = 43
	c, _ := New(cfg)
	counts := map[Result]int{}
	sameAsOtherSeed := 0
	for i := range 1000 {
		p := builder.Port{Name: fmt.Sprintf("port%d", i), Version: "1"}
		oa := a.decide(p, Override{}, 1, 1)
		if again := a.decide(p, Override{}, 1, 1); again.result != oa.result || again.duration != oa.duration || again.cut != oa.cut {
			t.Fatalf("%s: two draws differ: %+v %+v", p.ID(), oa, again)
		}
		ob := b.decide(p, Override{}, 1, 1)
		if oa.duration != ob.duration {
			t.Errorf("%s: duration differs between builders: %v %v", p.ID(), oa.duration, ob.duration)
		}
		// A real failure is the port's: an attempt that is not interrupted
		// ends the same way on any builder.
		later := b.decide(p, Override{}, 5, 3).result
		if oa.result != ResultTransient && oa.result != ResultHang && later != ResultTransient && later != ResultHang && later != oa.result {
			t.Errorf("%s: %s on a, %s on b", p.ID(), oa.result, later)
		}
		if c.decide(p, Override{}, 1, 1).duration == oa.duration {
			sameAsOtherSeed++
		}
		counts[oa.result]++
	}
	if sameAsOtherSeed > 5 {
		t.Errorf("%d of 1000 durations equal under another seed", sameAsOtherSeed)
	}
	near := func(r Result, want float64) {
		if got := float64(counts[r]) / 1000; got < want*0.6 || got > want*1.4 {
			t.Errorf("%s: %.3f of builds, want about %.3f (counts %v)", r, got, want, counts)
		}
	}
	near(ResultTransient, 0.1)
	near(ResultHang, 0.05)
	near(ResultFail, 0.2*0.85)
	d := 5 * time.Second
	if o := a.decide(builder.Port{Name: "x", Version: "1"}, Override{Result: ResultHang, Duration: &d}, 1, 1); o.result != ResultHang || o.duration != d {
		t.Errorf("override ignored: %+v", o)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "needs a name"},
		{Config{Name: "m", Durations: Durations{Dist: "gauss"}}, `"gauss"`},
		{Config{Name: "m", FailRate: 1.5}, "fail rate 1.5"},
		{Config{Name: "m", TransientRate: 0.6, HangRate: 0.6}, "add up"},
		{Config{Name: "m", Ports: map[string]Override{"zlib": {Result: "explode"}}}, `port zlib: unknown result "explode"`},
		{Config{Name: "m", LostAfter: -1}, "negative"},
	} {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error with %q", c.cfg, err, c.want)
		}
	}
	b, _ := New(Config{Name: "m"})
	if err := b.Set("zlib", Override{Result: "explode"}); err == nil || !strings.Contains(err.Error(), "explode") {
		t.Errorf("Set with a bad result = %v", err)
	}
}

func TestInfoFromFileName(t *testing.T) {
	pi, err := InfoFromFileName("gcc_syslibs_devel-13.3.0_2023_08_10-1-x86_64.hpkg")
	if err != nil {
		t.Fatal(err)
	}
	if pi.Name != "gcc_syslibs_devel" || pi.Version.String() != "13.3.0_2023_08_10-1" || pi.Architecture.String() != "x86_64" {
		t.Errorf("got %s %s %s", pi.Name, pi.Version, pi.Architecture)
	}
	for _, bad := range []string{"zlib.hpkg", "Zlib-1.3-1-x86_64.hpkg", "-1.3-1-x86_64.hpkg", "zlib-1.3-x86_64.hpkg", "zlib-1.3-1-vax.hpkg", "zlib-1.3-1-x86_64.tar"} {
		if _, err := InfoFromFileName(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("InfoFromFileName(%q) = %v, want an error naming it", bad, err)
		}
	}
}

// TestRecipeOutputs builds a port evaluated from a real recipe and checks
// that the packages carry the recipe's package infos.
