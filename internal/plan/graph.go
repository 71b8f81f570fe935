package plan

import (
	"container/heap"
	"slices"
	"strings"
)

// graph is a directed graph over port ids: an edge a -> b means a needs b
// built first.
type graph struct {
	nodes []string            // sorted
	edges map[string][]string // sorted targets
}

// sccs returns the strongly connected components with Tarjan's algorithm
// (iterative, so deep graphs cannot overflow the stack), dependencies
// before dependents; each component sorted. Visiting nodes and edges in
// sorted order makes the result deterministic.
func (g *graph) sccs() [][]string {
	index := make(map[string]int, len(g.nodes))
	low := make(map[string]int, len(g.nodes))
	on := make(map[string]bool, len(g.nodes))
	var stack []string
	var out [][]string
	next := 0
	type frame struct {
		v string
		i int // next edge to look at
	}
	for _, root := range g.nodes {
		if _, ok := index[root]; ok {
			continue
		}
		call := []frame{{v: root}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		on[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			es := g.edges[f.v]
			if f.i < len(es) {
				w := es[f.i]
				f.i++
				if _, ok := index[w]; !ok {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					on[w] = true
					call = append(call, frame{v: w})
				} else if on[w] {
					low[f.v] = min(low[f.v], index[w])
				}
				continue
			}
			v := f.v
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == index[v] {
				var comp []string
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					on[w] = false
					comp = append(comp, w)
					if w == v {
						break
					}
				}
				slices.Sort(comp)
				out = append(out, comp)
			}
		}
	}
	return out
}

// hasSelfLoop reports whether v needs itself.
func (g *graph) hasSelfLoop(v string) bool {
	_, ok := slices.BinarySearch(g.edges[v], v)
	return ok
}

// order returns a topological order of the nodes in keep (dependencies
// first; Kahn's algorithm taking the smallest id among the ready nodes),
// ignoring edges to nodes outside keep. keep must be acyclic.
func (g *graph) order(keep map[string]bool) []string {
	pending := make(map[string]int, len(keep))
	users := make(map[string][]string, len(keep))
	for _, v := range g.nodes {
		if !keep[v] {
			continue
		}
		n := 0
		for _, w := range g.edges[v] {
			if keep[w] && w != v {
				n++
				users[w] = append(users[w], v)
			}
		}
		pending[v] = n
	}
	h := &strHeap{}
	for _, v := range g.nodes {
		if keep[v] && pending[v] == 0 {
			heap.Push(h, v)
		}
	}
	var out []string
	for h.Len() > 0 {
		v := heap.Pop(h).(string)
		out = append(out, v)
		for _, u := range users[v] {
			pending[u]--
			if pending[u] == 0 {
				heap.Push(h, u)
			}
		}
	}
	return out
}

type strHeap []string

func (h strHeap) Len() int           { return len(h) }
func (h strHeap) Less(i, j int) bool { return strings.Compare(h[i], h[j]) < 0 }
func (h strHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *strHeap) Push(x any)        { *h = append(*h, x.(string)) }
func (h *strHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
