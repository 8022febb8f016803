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
// server received.
func deliveries(ids []string, a *adapter, frames []faultserver.FrameRecord) []delivery {
	refused := map[string]bool{}
	for _, r := range a.snapshot() {
		if r.Type == "sent" && r.Result == "refused" {
			refused[r.ID] = true
		}
	}
	got := received(frames)
	out := make([]delivery, len(ids))
	for i, id := range ids {
		out[i] = delivery{ID: id, Refused: refused[id], Received: got[id]}
	}
	return out
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
	return map[string]verdict{"6.1": gradeDelivery(deliveries(ids, a, e.srv.Frames()))}, nil
}

func scenarioLossRestart(e *env) (map[string]verdict, error) {
	a, err := e.one(e.options())
	if err != nil {
		return nil, err
	}
	restarted := make(chan error, 1)
	go func() {
		if e.sleep(300*time.Millisecond) != nil {
			restarted <- e.ctx.Err()
			return
		}
		restarted <- e.srv.Restart(e.ctx, 500*time.Millisecond)
	}()
	var ids []string
	// A message every 2ms: frames in flight when the listener goes down are
	// what an un-acked client loses.
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for i := range 500 {
		<-tick.C
		id := fmt.Sprintf("wsc-%d", i)
		ids = append(ids, id)
		if err := a.send(Command{Cmd: "send", ID: id, Data: id}); err != nil {
			return nil, err
		}
	}
	if err := <-restarted; err != nil {
		return nil, fmt.Errorf("restart: %w", err)
	}
	wctx, cancel := context.WithTimeout(e.ctx, 3*time.Second)
	_, _ = a.waitFor(wctx, 0, func(r Report) bool { return r.Type == "sent" && r.ID == ids[len(ids)-1] })
	cancel()
	e.settle(time.Now().Add(-2*time.Second), ids)
	return map[string]verdict{"6.2": gradeDelivery(deliveries(ids, a, e.srv.Frames()))}, nil
}
