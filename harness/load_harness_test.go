package harness

import (
	"testing"
	"time"

	"github.com/wschaos/wschaos/harness/history"
)

// The agent told of a continuity loss (the server admits messages of a
// channel are gone) is the system's loss: the run stays conclusive,
// nothing is judged apart, and the agent's missing message counts as lost.
// Before, it made the run inconclusive and its queues unverified. (A
// loopback run cannot make the fault server admit a loss to a healthy
// agent on cue, hence the records written here as the harness writes them.)
func TestHarnessCheckAgentContinuityLostIsLost(t *testing.T) {
	start := time.Now()
	rec := history.NewCompactRecorder(false)
	const ch = "run.c0.0"
	// Client 0 publishes index 1 and 2 up (acked); the agent gets 1, not 2.
	for i := uint64(1); i <= 2; i++ {
		id := messageID("client-0", ch, i)
		at := start.Add(time.Duration(i) * 10 * time.Millisecond)
		for _, k := range []history.RecordKind{RecSend, RecAck} {
			rec.Add(Record{Time: at, Kind: k, Client: 0, Dir: Up, Channel: ch, ID: id, Sender: "client-0", Receiver: serverName, Index: i})
		}
		if i == 1 {
			rec.Add(Record{Time: at, Kind: RecDeliver, Client: -1, Dir: Up, Channel: ch, ID: id, Sender: "client-0", Receiver: serverName, Index: i, Serial: i})
		}
	}
	agent := &member{index: -1, name: serverName}
	agent.harness = []HarnessEvent{{Time: start.Add(30 * time.Millisecond), Kind: HarnessAgentContinuityLost, Detail: ch}}
	r := &runner{rec: rec, agents: []*member{agent}}
	res := &Result{Start: start, End: start.Add(time.Second)}
	msgs := r.harnessCheck(res, nil)
	if res.Harness.Inconclusive || res.Harness.Unverified != nil {
		t.Fatalf("a continuity loss is the system's: %+v", res.Harness)
	}
	if len(res.Harness.Events) != 1 || !res.Harness.Events[0].Expected {
		t.Fatalf("want the event kept, not as a harness failure: %+v", res.Harness.Events)
	}
	if msgs.Total.Sent != 2 || msgs.Total.Delivered != 1 || msgs.Total.Lost != 1 {
		t.Fatalf("messages %+v, want 2 sent, 1 delivered, 1 lost", msgs.Total)
	}
}
