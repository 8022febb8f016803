package conformance

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/protocol"
)

var idPattern = regexp.MustCompile(`wsc-[0-9]+`)

// received counts, per message id, the distinct frames the server received.
// On the session endpoint a retransmitted publish (same seq) is one message.
func received(frames []faultserver.FrameRecord) map[string]int {
	counts := map[string]int{}
	seen := map[string]bool{}
	for _, f := range frames {
		data, key := f.Data, ""
		if f.Path == faultserver.SessionPath {
			m, err := protocol.DecodeLimit(f.Data, protocol.MaxFrameBytes)
			p, ok := m.(protocol.Publish)
			if err != nil || !ok {
				continue
			}
			data, key = p.Data, fmt.Sprint(p.Seq)
		}
		for _, id := range idPattern.FindAll(data, -1) {
			k := string(id) + "/" + key
			if key != "" && seen[k] {
				continue
			}
			seen[k] = true
			counts[string(id)]++
		}
	}
	return counts
}

// deliveries joins what was sent, what the adapter refused and what the
// server received; a send accepted while the adapter reported open inside w
// is in flight.
func deliveries(ids []string, a *adapter, frames []faultserver.FrameRecord, w window) []delivery {
	refused, open, accepted := classify(a.snapshot())
	got := received(frames)
	out := make([]delivery, len(ids))
	for i, id := range ids {
		at, wasOpen := open[id]
		_, ref := refused[id]
		out[i] = delivery{ID: id, Refused: ref, Received: got[id], InFlight: wasOpen && w.contains(at), Open: wasOpen, At: accepted[id]}
	}
	return out
}

// Every stream of sends: streamCount messages, one every streamEvery, with
// the fault streamFaultAt in, so frames are in flight when it strikes and
// the in-flight window (inflightMargin before it) starts after the first
// sends.
const (
	streamCount   = 600
	streamEvery   = 2 * time.Millisecond
	streamFaultAt = 600 * time.Millisecond
)

// stream sends streamCount numbered messages without waiting for results,
// while fault runs (started streamFaultAt in; it returns when the link works
// again). It returns the ids and the fault's in-flight window.
func (e *env) stream(a *adapter, fault func() error) ([]string, window, error) {
	var w window
	done := make(chan error, 1)
	go func() {
		if err := e.sleep(streamFaultAt); err != nil {
			done <- err
			return
		}
		start := time.Now()
		err := fault()
		w = faultWindow(start, time.Now())
		done <- err
	}()
	var ids []string
	tick := time.NewTicker(streamEvery)
	defer tick.Stop()
	for i := range streamCount {
		select {
		case <-tick.C:
		case <-e.ctx.Done():
			<-done
			return nil, w, e.ctx.Err()
		}
		id := fmt.Sprintf("wsc-%d", i)
		ids = append(ids, id)
		if err := a.send(Command{Cmd: "send", ID: id, Data: id}); err != nil {
			<-done
			return nil, w, err
		}
	}
	if err := <-done; err != nil {
		return nil, w, fmt.Errorf("fault: %w", err)
	}
	wctx, cancel := context.WithTimeout(e.ctx, 3*time.Second)
	_, _ = a.waitFor(wctx, 0, func(r Report) bool { return r.Type == "sent" && r.ID == ids[len(ids)-1] })
	cancel()
	return ids, w, nil
}

// sendOne sends id and waits (bounded) for the adapter's send result.
func sendOne(ctx context.Context, a *adapter, id string) error {
	from := len(a.snapshot())
	if err := a.send(Command{Cmd: "send", ID: id, Data: id}); err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_, err := a.waitFor(wctx, from, func(r Report) bool { return r.Type == "sent" && r.ID == id })
	if err != nil {
		return fmt.Errorf("%w: no send result for %s: %w", ErrAdapter, id, err)
	}
	return nil
}

// settle waits for a reconnect after t and then for the server to receive
// every id, bounded.
func (e *env) settle(t time.Time, ids []string) {
	_, _ = e.waitHandshake(t, reconnectBound, "", upgraded)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		got := received(e.srv.Frames())
		all := true
		for _, id := range ids {
			all = all && got[id] > 0
		}
		if all {
			_ = e.sleep(200 * time.Millisecond) // let duplicates show
			return
		}
		if e.sleep(20*time.Millisecond) != nil {
			return
		}
	}
}

func scenarioSendDown(e *env) (map[string]verdict, error) {
	a, err := e.one(e.options())
	if err != nil {
		return nil, err
	}
	from := len(a.snapshot())
	restarted := make(chan error, 1)
	go func() { restarted <- e.srv.Restart(e.ctx, 1500*time.Millisecond) }()
	wctx, cancel := context.WithTimeout(e.ctx, time.Second)
	_, _ = a.waitFor(wctx, from, func(r Report) bool { return r.Type == "state" && r.State != "open" })
	cancel()
	var ids []string
	for i := range 5 {
		id := fmt.Sprintf("wsc-%d", i)
		ids = append(ids, id)
		if err := sendOne(e.ctx, a, id); err != nil {
			return nil, err
		}
	}
	if err := <-restarted; err != nil {
		return nil, fmt.Errorf("restart: %w", err)
	}
	e.settle(time.Now(), ids)
	return map[string]verdict{"6.1": gradeDelivery(deliveries(ids, a, e.srv.Frames(), window{}), a.caps.Delivery, false)}, nil
}

func scenarioLossRestart(e *env) (map[string]verdict, error) {
	a, err := e.one(e.options())
	if err != nil {
		return nil, err
	}
	ids, w, err := e.stream(a, func() error { return e.srv.Restart(e.ctx, 500*time.Millisecond) })
	if err != nil {
		return nil, err
	}
	e.settle(w.back, ids)
	return map[string]verdict{"6.2": gradeDelivery(deliveries(ids, a, e.srv.Frames(), w), a.caps.Delivery, true)}, nil
}
