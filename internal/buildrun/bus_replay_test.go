package buildrun

import "testing"

func TestBusSubscribeAfter(t *testing.T) {
	b := NewBus()
	for i := 0; i < 10; i++ {
		b.Publish(Event{Kind: EventLog, Build: int64(i % 2)})
	}
	onlyOdd := func(e Event) bool { return e.Build == 1 }
	cases := []struct {
		name     string
		after    uint64
		filter   func(Event) bool
		want     []uint64
		complete bool
	}{
		{"from the start", 0, nil, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, true},
		{"the rest", 7, nil, []uint64{8, 9, 10}, true},
		{"nothing missed", 10, nil, nil, true},
		{"filtered", 4, onlyOdd, []uint64{6, 8, 10}, true},
		{"ahead: another bus", 11, nil, []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false},
	}
	for _, c := range cases {
		sub, missed, complete := b.SubscribeAfter(4, c.filter, c.after)
		var got []uint64
		for _, e := range missed {
			got = append(got, e.Seq)
		}
		if complete != c.complete || len(got) != len(c.want) {
			t.Errorf("%s: %v complete %v, want %v %v", c.name, got, complete, c.want, c.complete)
		}
		for i := range got {
			if i < len(c.want) && got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
				break
			}
		}
		sub.Close()
	}

	// Past the ring: what is kept, and not complete.
	for i := 0; i < Replay; i++ {
		b.Publish(Event{Kind: EventLog})
	}
	sub, missed, complete := b.SubscribeAfter(1, nil, 5)
	defer sub.Close()
	if complete || len(missed) != Replay || missed[0].Seq != 11 || missed[len(missed)-1].Seq != uint64(10+Replay) {
		t.Errorf("after the ring wrapped: %d events from %d, complete %v", len(missed), missed[0].Seq, complete)
	}
	// The subscription then gets the live events.
	b.Publish(Event{Kind: EventRun})
	if e := <-sub.C; e.Seq != uint64(11+Replay) {
		t.Errorf("live event %d", e.Seq)
	}
}
