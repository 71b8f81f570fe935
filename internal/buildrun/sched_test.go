package buildrun

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestSchedulerLostExactlyDependents(t *testing.T) {
	// a <- b <- c ; a <- d ; e independent; f needs c and e.
	tasks := []Task{
		{ID: "a"}, {ID: "b", Needs: []string{"a"}}, {ID: "c", Needs: []string{"b"}},
		{ID: "d", Needs: []string{"a"}}, {ID: "e"}, {ID: "f", Needs: []string{"c", "e", "outside"}},
	}
	s, err := NewScheduler(tasks, CriticalPath)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for {
		id, ok := s.Next(nil)
		if !ok {
			break
		}
		got[id] = true
	}
	if !got["a"] || !got["e"] || len(got) != 2 {
		t.Fatalf("first ready: %v", got)
	}
	if r := s.Succeeded("a"); !slices.Equal(sortedCopy(r), []string{"b", "d"}) {
		t.Fatalf("ready after a: %v", r)
	}
	s.Next(nil) // b (longest chain: b-c-f)
	lost := s.Failed("b")
	want := map[string][]string{"c": {"b", "c"}, "f": {"b", "c", "f"}}
	if len(lost) != len(want) {
		t.Fatalf("lost %v", lost)
	}
	for _, l := range lost {
		if !slices.Equal(l.Chain, want[l.ID]) {
			t.Errorf("lost %s chain %v, want %v", l.ID, l.Chain, want[l.ID])
		}
	}
	if st, _ := s.State("d"); st != TaskReady {
		t.Errorf("d is %v, want ready", st)
	}
	s.Succeeded("e")
	if st, _ := s.State("f"); st != TaskLost {
		t.Errorf("f is %v after e succeeded, want lost", st)
	}
	if s.Pending() != 1 {
		t.Errorf("pending %d, want 1 (d)", s.Pending())
	}
}

func sortedCopy(s []string) []string { c := slices.Clone(s); slices.Sort(c); return c }

func TestSchedulerCycleAndDuplicates(t *testing.T) {
	if _, err := NewScheduler([]Task{{ID: "a", Needs: []string{"b"}}, {ID: "b", Needs: []string{"a"}}}, CriticalPath); err == nil {
		t.Error("a cycle was accepted")
	}
	if _, err := NewScheduler([]Task{{ID: "a"}, {ID: "a"}}, CriticalPath); err == nil {
		t.Error("a duplicate was accepted")
	}
}

func TestSchedulerCriticalPathFirst(t *testing.T) {
	// x is first in the order but alone; y starts a chain of 3.
	tasks := []Task{{ID: "x"}, {ID: "y"}, {ID: "y2", Needs: []string{"y"}}, {ID: "y3", Needs: []string{"y2"}}}
	s, _ := NewScheduler(tasks, CriticalPath)
	if id, _ := s.Next(nil); id != "y" {
		t.Errorf("critical path took %s first, want y", id)
	}
	f, _ := NewScheduler(tasks, FIFO)
	if id, _ := f.Next(nil); id != "x" {
		t.Errorf("FIFO took %s first, want x", id)
	}
	// Expected durations win over counts: x is long.
	tasks[0].Expected = 10 * time.Hour
	for i := 1; i < 4; i++ {
		tasks[i].Expected = time.Minute
	}
	s, _ = NewScheduler(tasks, CriticalPath)
	if id, _ := s.Next(nil); id != "x" {
		t.Errorf("took %s first, want the 10h x", id)
	}
}

func TestSchedulerAffinity(t *testing.T) {
	tasks := []Task{{ID: "a", Inputs: []string{"big.hpkg"}}, {ID: "b", Inputs: []string{"other.hpkg"}}}
	s, _ := NewScheduler(tasks, CriticalPath)
	id, _ := s.Next(func(f string) bool { return f == "other.hpkg" })
	if id != "b" {
		t.Errorf("took %s, want b whose input is cached", id)
	}
}

func TestSchedulerRequeueAndTake(t *testing.T) {
	s, _ := NewScheduler([]Task{{ID: "a"}, {ID: "b"}}, FIFO)
	id, _ := s.Next(nil)
	s.Requeue(id)
	if s.Ready() != 2 {
		t.Errorf("ready %d after requeue", s.Ready())
	}
	if !s.Take("b") || s.Take("b") {
		t.Error("Take")
	}
	if id, _ := s.Next(nil); id != "a" {
		t.Errorf("next %s", id)
	}
}

// randomTasks is a layered random DAG with log-normal durations.
func randomTasks(n int, seed uint64) ([]Task, map[string]time.Duration) {
	rng := rand.New(rand.NewPCG(seed, 2))
	var tasks []Task
	dur := map[string]time.Duration{}
	for i := range n {
		t := Task{ID: fmt.Sprintf("t%04d", i)}
		for range rng.IntN(4) {
			if i > 0 {
				t.Needs = append(t.Needs, fmt.Sprintf("t%04d", rng.IntN(i)))
			}
		}
		d := time.Duration(60*rng.ExpFloat64()*float64(time.Second)) + time.Second
		dur[t.ID] = d
		t.Expected = d
		tasks = append(tasks, t)
	}
	return tasks, dur
}

func TestSimulateBounds(t *testing.T) {
	tasks, dur := randomTasks(500, 3)
	d := func(t Task) time.Duration { return dur[t.ID] }
	for _, n := range []int{1, 4, 16} {
		lb, err := LowerBound(tasks, n, d)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := Simulate(tasks, n, CriticalPath, d)
		if err != nil {
			t.Fatal(err)
		}
		fifo, err := Simulate(tasks, n, FIFO, d)
		if err != nil {
			t.Fatal(err)
		}
		if cp < lb || fifo < lb {
			t.Errorf("%d builders: makespan below the lower bound: cp %s fifo %s lb %s", n, cp, fifo, lb)
		}
		if n == 1 && cp != lb {
			t.Errorf("1 builder: makespan %s, want the total work %s", cp, lb)
		}
		t.Logf("%2d builders: lower bound %s, critical path %s (%.3f), FIFO %s (%.3f)", n, lb.Round(time.Second),
			cp.Round(time.Second), float64(cp)/float64(lb), fifo.Round(time.Second), float64(fifo)/float64(lb))
	}
}

func TestExpectedFromRecords(t *testing.T) {
	ports := synthGraph(t, 6, 1)
	e := newEnv(t, openFileStore(t), ports)
	fs, bs := fakes(t, 1, ports)
	fs[0].delay = 20 * time.Millisecond
	_, eng := runAll(t, e, e.options(bs))
	exp, err := eng.Records().Expected(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	if d := exp("p003-2.0"); d < 20*time.Millisecond || d > 10*time.Second {
		t.Errorf("expected duration of p003: %s", d)
	}
	if d := exp("unknown-1"); d != 0 {
		t.Errorf("unknown port: %s", d)
	}
}
