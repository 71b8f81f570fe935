package buildrun

import (
	"sync"
	"time"
)

// EventKind says what an Event is about.
type EventKind string

// Event kinds.
const (
	EventRun     EventKind = "run"     // a run's state changed (State)
	EventBuild   EventKind = "build"   // a build's state changed (State, Reason, Builder)
	EventBuilder EventKind = "builder" // a builder's state changed (Builder, State, Reason)
	EventLog     EventKind = "log"     // a log line (Log names the log, Line)
	EventPublish EventKind = "publish" // a snapshot was published (Snapshot)
)

// Event is one thing that happened in a run.
type Event struct {
	Seq     uint64    `json:"seq"` // increasing per bus
	Time    time.Time `json:"time"`
	Kind    EventKind `json:"kind"`
	Run     string    `json:"run,omitempty"`
	Build   int64     `json:"build,omitempty"`
	Port    string    `json:"port,omitempty"`
	Builder string    `json:"builder,omitempty"`
	State   string    `json:"state,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Log     string    `json:"log,omitempty"` // BuildLog(n), BuilderLog(name) or MasterLog
	Line    string    `json:"line,omitempty"`
	// Offset is where Line starts in its log (bytes; the log as
	// Reader.Log reads it): a client showing a log read so far takes the
	// events from its length on, without gaps or repeats.
	Offset   int64  `json:"offset,omitempty"`
	Snapshot string `json:"snapshot,omitempty"`
}

// Bus is an in-process event bus. Publish never blocks: each subscriber
// has a bounded buffer, and a subscriber whose buffer is full is dropped
// (its channel is closed and Dropped reports true), so a slow reader
// never holds up a run. A Bus is safe for concurrent use; the zero value
// is not usable, use NewBus.
//
// The bus keeps its last Replay events, so a subscriber that reconnects
// (an SSE client's Last-Event-ID) gets what it missed: SubscribeAfter.
type Bus struct {
	mu   sync.Mutex
	seq  uint64
	subs map[*Subscription]struct{}
	now  func() time.Time
	ring []Event // the last len(ring) events; ring[seq%len] is event seq
}

// Replay is how many of its last events a bus keeps for SubscribeAfter
// (about 1 MiB: log lines are most of them).
const Replay = 4096

// NewBus returns an empty bus.
func NewBus() *Bus {
	return &Bus{subs: make(map[*Subscription]struct{}), now: time.Now, ring: make([]Event, Replay)}
}

// Subscription receives a bus's events on C until it is closed (by
// Close, or because it fell behind: then Dropped is true).
type Subscription struct {
	C       <-chan Event
	c       chan Event
	bus     *Bus
	filter  func(Event) bool
	dropped bool
	closed  bool
}

// Subscribe returns a subscription with a buffer of size events (at
// least 1); filter, if not nil, selects the events it receives.
func (b *Bus) Subscribe(size int, filter func(Event) bool) *Subscription {
	c := make(chan Event, max(size, 1))
	s := &Subscription{C: c, c: c, bus: b, filter: filter}
	b.mu.Lock()
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	return s
}

// SubscribeAfter subscribes as Subscribe does and, in the same step (so
// nothing is missed or repeated), returns the kept events after seq that
// filter selects, oldest first. complete is false when some events after
// seq are no longer kept (or seq is from another bus: it is ahead of
// this one's); the events returned are then those kept.
func (b *Bus) SubscribeAfter(size int, filter func(Event) bool, seq uint64) (s *Subscription, missed []Event, complete bool) {
	c := make(chan Event, max(size, 1))
	s = &Subscription{C: c, c: c, bus: b, filter: filter}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs[s] = struct{}{}
	ahead := seq > b.seq
	if ahead {
		seq = 0 // from another bus (a restart): everything kept is new
	}
	oldest := uint64(1)
	if b.seq > uint64(len(b.ring)) {
		oldest = b.seq - uint64(len(b.ring)) + 1
	}
	complete = seq+1 >= oldest && !ahead
	for n := max(seq+1, oldest); n <= b.seq; n++ {
		e := b.ring[n%uint64(len(b.ring))]
		if filter == nil || filter(e) {
			missed = append(missed, e)
		}
	}
	return s, missed, complete
}

// Seq is the sequence number of the bus's last event (0 before any).
func (b *Bus) Seq() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

// Close ends the subscription; C is closed. Idempotent.
func (s *Subscription) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.closeLocked()
}

func (s *Subscription) closeLocked() {
	if !s.closed {
		s.closed = true
		close(s.c)
		delete(s.bus.subs, s)
	}
}

// Dropped reports whether the bus dropped the subscription because its
// buffer was full.
func (s *Subscription) Dropped() bool {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.dropped
}

// Publish sends e (with Seq and Time set) to every subscriber.
func (b *Bus) Publish(e Event) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.seq++
	e.Seq = b.seq
	if e.Time.IsZero() {
		e.Time = b.now()
	}
	if len(b.ring) > 0 {
		b.ring[e.Seq%uint64(len(b.ring))] = e
	}
	for s := range b.subs {
		if s.filter != nil && !s.filter(e) {
			continue
		}
		select {
		case s.c <- e:
		default:
			s.dropped = true
			s.closeLocked()
		}
	}
}

// Subscribers reports how many subscriptions are open.
func (b *Bus) Subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
