package harness

import (
	"context"
	"testing"
	"time"

	"github.com/wschaos/wschaos/client"
	"github.com/wschaos/wschaos/faultserver"
	"github.com/wschaos/wschaos/harness/fault"
	"github.com/wschaos/wschaos/internal/wstest"
)

// TestInstrumentRecordsRawClient: a raw client instrumented by a Recorder
// leaves exactly one dial per attempt and one reconnecting record between
// attempts, which BackoffObservations pairs with the next dial; the
// caller's own OnEvent still runs.
func TestInstrumentRecordsRawClient(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := NewStack(ctx, StackOptions{Server: faultserver.Config{DisableAdmin: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close(context.Background()) }()
	if _, err := s.Apply(ctx, fault.ProxyDown{}, 0); err != nil {
		t.Fatal(err)
	}
	rec := NewRecorder()
	cfg := wstest.FastClient()
	cfg.MaxAttempts = 3
	var own int
	cfg.OnEvent = func(client.Event) { own++ }
	c, err := client.New(s.URL(faultserver.EchoPath), rec.Instrument(7, cfg))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WaitFor(ctx, client.StateFailed); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rs := rec.Records()
	if n := Count(rs, RecDial, 7); n != 3 {
		t.Errorf("dials = %d, want 3", n)
	}
	if n := Count(rs, RecDial, 0); n != 0 {
		t.Errorf("records for another client: %d", n)
	}
	obs := BackoffObservations(7, rs)
	if len(obs) != 2 {
		t.Fatalf("observations = %+v, want 2", obs)
	}
	for _, o := range obs {
		if o.Observed < 0 || !o.Judge(cfg.Backoff).InRange {
			t.Errorf("observation %+v not paired or out of range", o)
		}
	}
	if own == 0 {
		t.Error("the caller's OnEvent did not run")
	}
	// Negative control: a dial far later than scheduled is out of range.
	late := obs[0]
	late.Observed = late.Scheduled + BackoffSlack + time.Second
	if late.Judge(cfg.Backoff).InRange {
		t.Error("late dial judged in range")
	}
}
