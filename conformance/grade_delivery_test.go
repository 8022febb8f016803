package conformance

import (
	"testing"
	"time"
)

func TestGradeDeliveryUndeclaredIsStrict(t *testing.T) {
	all := []delivery{{ID: "a", Received: 1}, {ID: "b", Received: 1}}
	wantGrade(t, gradeDelivery(all, "", true), OK, "2 sent: 2 delivered, 0 refused with an error, 0 lost in flight, 0 silently lost, 0 duplicated; declares exactly-once (undeclared)")
	refused := []delivery{{ID: "a", Received: 1}, {ID: "b", Refused: true}}
	wantGrade(t, gradeDelivery(refused, "", false), NonStrict, "1 delivered, 1 refused")
	lost := []delivery{{ID: "a", Received: 1}, {ID: "b"}, {ID: "c", Refused: true}}
	wantGrade(t, gradeDelivery(lost, "", true), Failed, "1 refused with an error, 0 lost in flight, 1 silently lost")
	// Negative controls: undeclared, even an in-flight loss or a duplicate fails.
	wantGrade(t, gradeDelivery([]delivery{{ID: "a", InFlight: true}}, "", true), Failed, "1 lost in flight")
	wantGrade(t, gradeDelivery([]delivery{{ID: "a", Received: 2}}, "", true), Failed, "1 duplicated")
	wantGrade(t, gradeDelivery(nil, "", true), Failed, "nothing sent")
}

func TestGradeDeliveryAgainstDeclaration(t *testing.T) {
	inflightLoss := []delivery{{ID: "a", Received: 1}, {ID: "b", InFlight: true}}
	queuedLoss := []delivery{{ID: "a", Received: 1}, {ID: "b"}}
	dup := []delivery{{ID: "a", Received: 2}, {ID: "b", Received: 1}}
	clean := []delivery{{ID: "a", Received: 1}, {ID: "b", Received: 1}}
	for _, tc := range []struct {
		name     string
		ds       []delivery
		declared string
		faulted  bool
		want     Grade
		substr   string
	}{
		{"at-most-once may lose in flight", inflightLoss, DeliveryAtMostOnce, true, NonStrict, "1 lost in flight"},
		{"at-most-once is NON-STRICT through a fault even when nothing was lost", clean, DeliveryAtMostOnce, true, NonStrict, "declares at-most-once"},
		{"at-most-once without a fault", clean, DeliveryAtMostOnce, false, OK, "2 delivered"},
		{"at-most-once never loses a queued send", queuedLoss, DeliveryAtMostOnce, true, Failed, "1 silently lost"},
		{"at-most-once never duplicates", dup, DeliveryAtMostOnce, true, Failed, "1 duplicated"},
		{"at-least-once may duplicate", dup, DeliveryAtLeastOnce, true, NonStrict, "1 duplicated"},
		{"at-least-once never loses in flight", inflightLoss, DeliveryAtLeastOnce, true, Failed, "1 lost in flight"},
		{"exactly-once clean", clean, DeliveryExactlyOnce, true, OK, "declares exactly-once"},
		{"exactly-once never loses", inflightLoss, DeliveryExactlyOnce, true, Failed, "1 lost in flight"},
		{"exactly-once never duplicates", dup, DeliveryExactlyOnce, true, Failed, "1 duplicated"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantGrade(t, gradeDelivery(tc.ds, tc.declared, tc.faulted), tc.want, tc.substr) })
	}
}

func TestClassifyInFlightFromReportStream(t *testing.T) {
	at := func(n int) time.Time { return t0.Add(ms(n)) }
	reports := []Stamped{
		{at(0), Report{Type: "state", State: "open"}},
		{at(10), Report{Type: "sent", ID: "early", Result: "accepted"}},   // open, before the window
		{at(700), Report{Type: "sent", ID: "flight", Result: "accepted"}}, // open, in the window
		{at(710), Report{Type: "state", State: "closed"}},
		{at(720), Report{Type: "sent", ID: "queued", Result: "accepted"}}, // the client knew it was down
		{at(730), Report{Type: "sent", ID: "no", Result: "refused", Error: "down"}},
		{at(900), Report{Type: "state", State: "open"}},
		{at(1400), Report{Type: "sent", ID: "edge", Result: "accepted"}}, // open again, within the margin after the return
		{at(1600), Report{Type: "sent", ID: "late", Result: "accepted"}}, // open again, after the window
	}
	w := faultWindow(at(600), at(1000))
	a := &adapter{reports: reports}
	ds := deliveries([]string{"early", "flight", "queued", "no", "edge", "late"}, a, nil, w)
	for i := range ds {
		ds[i].Open, ds[i].At = false, time.Time{} // compared below: the classification only
	}
	want := map[string]delivery{
		"early": {ID: "early"}, "flight": {ID: "flight", InFlight: true}, "queued": {ID: "queued"},
		"no": {ID: "no", Refused: true}, "edge": {ID: "edge", InFlight: true}, "late": {ID: "late"},
	}
	for _, d := range ds {
		if d != want[d.ID] {
			t.Errorf("%s: got %+v, want %+v", d.ID, d, want[d.ID])
		}
	}
	// The zero window (no fault during the sends) has nothing in flight.
	for _, d := range deliveries([]string{"flight"}, a, nil, window{}) {
		if d.InFlight {
			t.Errorf("zero window: %+v in flight", d)
		}
	}
}
