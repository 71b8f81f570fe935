package buildrun

import (
	"container/heap"
	"fmt"
	"time"
)

// Simulate runs the scheduler's policy over tasks on n identical
// builders, with each task taking dur(task) (the actual duration; the
// scheduler only sees Task.Expected), without real time: a discrete event
// simulation. It returns the makespan. Every task succeeds.
func Simulate(tasks []Task, n int, policy Policy, dur func(Task) time.Duration) (time.Duration, error) {
	if n < 1 {
		return 0, fmt.Errorf("%w: %d builders", ErrPlan, n)
	}
	s, err := NewScheduler(tasks, policy)
	if err != nil {
		return 0, err
	}
	byID := make(map[string]Task, len(tasks))
	for _, t := range tasks {
		byID[t.ID] = t
	}
	var now time.Duration
	running := &finishHeap{}
	free := n
	for s.Pending() > 0 {
		for free > 0 {
			id, ok := s.Next(nil)
			if !ok {
				break
			}
			free--
			heap.Push(running, finish{at: now + dur(byID[id]), id: id})
		}
		if running.Len() == 0 {
			return now, fmt.Errorf("%w: %d tasks can never run", ErrPlan, s.Pending())
		}
		f := heap.Pop(running).(finish)
		now = f.at
		s.Succeeded(f.id)
		free++
	}
	return now, nil
}

// LowerBound is the makespan no schedule on n builders can beat: the
// larger of the longest dependency chain and the total work divided by n.
func LowerBound(tasks []Task, n int, dur func(Task) time.Duration) (time.Duration, error) {
	actual := make([]Task, len(tasks))
	var total time.Duration
	for i, t := range tasks {
		t.Expected = max(dur(t), time.Nanosecond)
		actual[i] = t
		total += dur(t)
	}
	s, err := NewScheduler(actual, CriticalPath)
	if err != nil {
		return 0, err
	}
	var cp float64
	for _, t := range s.tasks {
		cp = max(cp, t.priority)
	}
	return max(time.Duration(cp*float64(time.Second)), total/time.Duration(n)), nil
}

type finish struct {
	at time.Duration
	id string
}

type finishHeap []finish

func (h finishHeap) Len() int { return len(h) }
func (h finishHeap) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].id < h[j].id
}
func (h finishHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *finishHeap) Push(x any)   { *h = append(*h, x.(finish)) }
func (h *finishHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
