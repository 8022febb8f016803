package harness

import (
	"context"
	"math"
	"net/http"
	"strconv"
)

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
