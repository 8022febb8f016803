package harness

import (
	"context"
	"math"
	"net/http"
	"strconv"

	"github.com/wschaos/wschaos/faultserver"
)

// waitPage bounds each poll of WaitEvent: right after a restart of a
// target with 10,000 clients the log grows by a drop and a disconnect per
// connection, and reading all of them in one answer, on a loaded machine,
// took seconds; the event waited for (restart_down, restart_up) comes
// before the connections' events, so it is on the first page.
const waitPage = 512

// eventsPage is Events with at most limit events per answer ("last" is the
// last one returned, so the next page starts after it). A server that does
// not know limit answers every event, as Events.
func (a *AdminClient) eventsPage(ctx context.Context, since uint64, limit int) ([]faultserver.Event, uint64, error) {
	var out struct {
		Events []faultserver.Event `json:"events"`
		Last   uint64              `json:"last"`
	}
	path := "/events?since=" + strconv.FormatUint(since, 10) + "&limit=" + strconv.Itoa(limit)
	if _, err := a.do(ctx, http.MethodGet, path, nil, &out); err != nil {
		return nil, since, err
	}
	return out.Events, out.Last, nil
}

// newestID asks for the events after the largest id, none, to read the
// log's newest id ("newest") without the log: with 10,000 clients the log
// holds tens of thousands of events, and fetching them all before a
// restart put it seconds late, outside the other shards' expected window.
// ok is false when the server does not report "newest" (an older wschaos
// serve); the caller then reads the whole log.
func (a *AdminClient) newestID(ctx context.Context) (id uint64, ok bool, err error) {
	var out struct {
		Newest *uint64 `json:"newest"`
	}
	if _, err := a.do(ctx, http.MethodGet, "/events?since="+strconv.FormatUint(math.MaxUint64, 10), nil, &out); err != nil {
		return 0, false, err
	}
	if out.Newest == nil {
		return 0, false, nil
	}
	return *out.Newest, true, nil
}
