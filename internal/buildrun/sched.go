package buildrun

import (
	"container/heap"
	"fmt"
	"slices"
	"time"
)

// Task is one build as the scheduler sees it.
type Task struct {
	ID string // the port id (name-version); unique
	// Needs are the ids of the tasks that must succeed first; ids that
	// are not tasks of the scheduler are ignored (already built).
	Needs []string
	// Expected is the build's expected duration; 0 when unknown.
	Expected time.Duration
	// Inputs are the package files the build needs, for affinity.
	Inputs []string
}

// Policy chooses among ready tasks.
type Policy int

const (
	// CriticalPath takes the ready task with the longest remaining chain
	// of dependents (in expected time, else in tasks), preferring, among
	// tasks of nearly the same priority, the one whose inputs the builder
	// already caches. The default.
	CriticalPath Policy = iota
	// FIFO takes ready tasks in the order given (HaikuPorter's order:
	// the plan's topological order), for comparison.
	FIFO
)

// TaskState is a task's state in the scheduler.
type TaskState int

// Task states.
const (
	TaskWaiting TaskState = iota // a dependency has not succeeded yet
	TaskReady                    // may be handed out
	TaskRunning                  // handed out (running, or waiting for a retry)
	TaskDone                     // succeeded
	TaskFailed                   // failed or cancelled
	TaskLost                     // a dependency failed
)

// Lost is a task that can no longer run because a dependency failed.
type Lost struct {
	ID string
	// Chain is the failed task followed by the dependents that lead to
	// ID, ending with ID.
	Chain []string
}

// Scheduler hands out tasks in dependency order by a Policy. It involves
// no time and no goroutines (the engine drives it, and Simulate runs it
// on synthetic durations). It is not safe for concurrent use.
type Scheduler struct {
	policy  Policy
	tasks   []schedTask
	byID    map[string]int
	ready   readyHeap
	pending int // tasks not done, failed or lost
	// affinityTolerance: tasks whose priority is within this fraction of
	// the best ready task compete on affinity.
	affinityTolerance float64
}

type schedTask struct {
	Task
	state    TaskState
	needs    []int
	users    []int
	waiting  int // needs not yet done
	priority float64
}

// NewScheduler returns a scheduler over tasks; Needs must not form a
// cycle (the planner removes cycles), and every id must be unique.
func NewScheduler(tasks []Task, policy Policy) (*Scheduler, error) {
	s := &Scheduler{policy: policy, byID: make(map[string]int, len(tasks)), affinityTolerance: 0.05}
	s.tasks = make([]schedTask, len(tasks))
	for i, t := range tasks {
		if _, dup := s.byID[t.ID]; dup {
			return nil, fmt.Errorf("%w: task %s given twice", ErrPlan, t.ID)
		}
		s.byID[t.ID] = i
		s.tasks[i] = schedTask{Task: t}
	}
	for i := range s.tasks {
		t := &s.tasks[i]
		for _, n := range t.Needs {
			j, ok := s.byID[n]
			if !ok || j == i || slices.Contains(t.needs, j) {
				continue
			}
			t.needs = append(t.needs, j)
			s.tasks[j].users = append(s.tasks[j].users, i)
		}
		t.waiting = len(t.needs)
	}
	if err := s.computePriorities(); err != nil {
		return nil, err
	}
	s.pending = len(s.tasks)
	s.ready.s = s
	for i := range s.tasks {
		if s.tasks[i].waiting == 0 {
			s.tasks[i].state = TaskReady
			heap.Push(&s.ready, i)
		}
	}
	return s, nil
}

// computePriorities sets each task's priority: its own weight plus the
// largest priority among its users (the longest remaining chain). The
// weight is the expected duration in seconds, the mean of the known
// durations for tasks without one, or 1 when none is known.
func (s *Scheduler) computePriorities() error {
	var sum float64
	var known int
	for _, t := range s.tasks {
		if t.Expected > 0 {
			sum += t.Expected.Seconds()
			known++
		}
	}
	def := 1.0
	if known > 0 {
		def = sum / float64(known)
	}
	// Reverse topological order (Kahn on users).
	outdeg := make([]int, len(s.tasks))
	var stack []int
	for i := range s.tasks {
		outdeg[i] = len(s.tasks[i].users)
		if outdeg[i] == 0 {
			stack = append(stack, i)
		}
	}
	done := 0
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		done++
		t := &s.tasks[i]
		w := def
		if t.Expected > 0 {
			w = t.Expected.Seconds()
		}
		var best float64
		for _, u := range t.users {
			best = max(best, s.tasks[u].priority)
		}
		t.priority = w + best
		for _, n := range t.needs {
			outdeg[n]--
			if outdeg[n] == 0 {
				stack = append(stack, n)
			}
		}
	}
	if done != len(s.tasks) {
		return fmt.Errorf("%w: the tasks' dependencies form a cycle", ErrPlan)
	}
	return nil
}

// Priority returns a task's priority (its remaining critical path in
// seconds, or in tasks when no duration is known).
func (s *Scheduler) Priority(id string) float64 {
	if i, ok := s.byID[id]; ok {
		return s.tasks[i].priority
	}
	return 0
}

// State returns a task's state.
func (s *Scheduler) State(id string) (TaskState, bool) {
	i, ok := s.byID[id]
	if !ok {
		return 0, false
	}
	return s.tasks[i].state, true
}

// Pending reports how many tasks are neither done, failed nor lost.
func (s *Scheduler) Pending() int { return s.pending }

// Ready reports how many tasks may be handed out now.
func (s *Scheduler) Ready() int { return s.ready.Len() }

// Next hands out a ready task for a builder (marking it running), or
// reports false when none is ready. cached, if not nil, tells whether the
// builder has an input package in its cache.
func (s *Scheduler) Next(cached func(file string) bool) (string, bool) {
	if s.ready.Len() == 0 {
		return "", false
	}
	pick := 0 // index into s.ready.items
	if s.policy == CriticalPath && cached != nil && s.ready.Len() > 1 {
		pick = s.affine(cached)
	}
	i := s.ready.items[pick]
	heap.Remove(&s.ready, pick)
	s.tasks[i].state = TaskRunning
	return s.tasks[i].ID, true
}

// affine returns the heap position of the best task for a builder: the
// one with the most cached inputs among the ready tasks whose priority is
// within the tolerance of the best (at most 32 are looked at, highest
// priority first).
func (s *Scheduler) affine(cached func(string) bool) int {
	best := s.tasks[s.ready.items[0]].priority
	limit := best * (1 - s.affinityTolerance)
	// The heap's first levels hold its largest items; look at those.
	pick, pickScore := 0, -1
	for pos := 0; pos < len(s.ready.items) && pos < 32; pos++ {
		t := &s.tasks[s.ready.items[pos]]
		if t.priority < limit {
			continue
		}
		score := 0
		for _, f := range t.Inputs {
			if cached(f) {
				score++
			}
		}
		if score > pickScore || score == pickScore && s.ready.less(s.ready.items[pos], s.ready.items[pick]) {
			pick, pickScore = pos, score
		}
	}
	return pick
}

// Take marks a specific ready task running (a build the engine resumes
// or an operator starts by hand); false if it is not ready.
func (s *Scheduler) Take(id string) bool {
	i, ok := s.byID[id]
	if !ok || s.tasks[i].state != TaskReady {
		return false
	}
	for pos, j := range s.ready.items {
		if j == i {
			heap.Remove(&s.ready, pos)
			break
		}
	}
	s.tasks[i].state = TaskRunning
	return true
}

// Requeue puts a running task back among the ready ones (a transient
// failure, a lost builder).
func (s *Scheduler) Requeue(id string) {
	i, ok := s.byID[id]
	if !ok || s.tasks[i].state != TaskRunning {
		return
	}
	s.tasks[i].state = TaskReady
	heap.Push(&s.ready, i)
}

// Succeeded marks a running (or ready) task done and returns the tasks
// that became ready.
func (s *Scheduler) Succeeded(id string) []string {
	i, ok := s.byID[id]
	if !ok || !s.settle(i, TaskDone) {
		return nil
	}
	var out []string
	for _, u := range s.tasks[i].users {
		t := &s.tasks[u]
		t.waiting--
		if t.waiting == 0 && t.state == TaskWaiting {
			t.state = TaskReady
			heap.Push(&s.ready, u)
			out = append(out, t.ID)
		}
	}
	return out
}

// Failed marks a task failed (or cancelled) and returns exactly the tasks
// that depend on it, directly or not, and are now lost, each with the
// chain of dependencies that leads to it.
func (s *Scheduler) Failed(id string) []Lost {
	i, ok := s.byID[id]
	if !ok || !s.settle(i, TaskFailed) {
		return nil
	}
	var out []Lost
	parent := map[int]int{}
	queue := []int{i}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, u := range s.tasks[v].users {
			t := &s.tasks[u]
			if t.state != TaskWaiting {
				continue // already lost through another path (or, impossibly, further)
			}
			t.state = TaskLost
			s.pending--
			parent[u] = v
			queue = append(queue, u)
			var chain []string
			for w := u; ; w = parent[w] {
				chain = append(chain, s.tasks[w].ID)
				if w == i {
					break
				}
			}
			slices.Reverse(chain)
			out = append(out, Lost{ID: t.ID, Chain: chain})
		}
	}
	return out
}

// settle moves a ready or running task to a final state.
func (s *Scheduler) settle(i int, st TaskState) bool {
	t := &s.tasks[i]
	switch t.state {
	case TaskRunning:
	case TaskReady:
		for pos, j := range s.ready.items {
			if j == i {
				heap.Remove(&s.ready, pos)
				break
			}
		}
	case TaskWaiting:
		// A failure of a build that never started, or (resuming a run)
		// a build recorded as done whose dependency is built again.
	default:
		return false
	}
	t.state = st
	s.pending--
	return true
}

// readyHeap orders ready tasks: by priority (CriticalPath) or by index
// (FIFO), ties by index (the plan's order).
type readyHeap struct {
	s     *Scheduler
	items []int
}

func (h *readyHeap) less(a, b int) bool {
	if h.s.policy == CriticalPath {
		pa, pb := h.s.tasks[a].priority, h.s.tasks[b].priority
		if pa != pb {
			return pa > pb
		}
	}
	return a < b
}

func (h readyHeap) Len() int           { return len(h.items) }
func (h readyHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h readyHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *readyHeap) Push(x any)        { h.items = append(h.items, x.(int)) }
func (h *readyHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
