//go:build wschaos_broken

package explore

import (
	"testing"

	"github.com/wschaos/wschaos/client"
)

// The broken client variants (client/testhooks_broken.go), selected by
// WSCHAOS_BROKEN in a -tags wschaos_broken build: explore must find each.

// TestNegativeBrokenDedupe: a client that delivers replayed serials again.
func TestNegativeBrokenDedupe(t *testing.T) {
	requireExplore(t)
	t.Setenv(client.BrokenEnv, "duplicate")
	findAndReplay(t, Bounds{MaxFaults: 3}, 6, ClassDuplicated)
}

// TestNegativeBrokenDropAfterReattach: a client that silently drops the
// first message after every re-attach.
func TestNegativeBrokenDropAfterReattach(t *testing.T) {
	requireExplore(t)
	t.Setenv(client.BrokenEnv, "drop_after_reattach")
	findAndReplay(t, Bounds{MaxFaults: 3}, 6, ClassLost)
}
