//go:build wschaos_broken

package client

import (
	"os"
	"sync"
)

// BrokenEnv is the environment variable that selects a broken variant in a
// wschaos_broken build: "duplicate" delivers replayed serials again (no
// de-duplication), "drop_after_reattach" silently drops the first message
// after every re-attach. Anything else (or unset) is the correct client.
// Only wschaos explore's negative controls build with the tag.
const BrokenEnv = "WSCHAOS_BROKEN"

func brokenMode() string { return os.Getenv(BrokenEnv) }

func testhookKeepDuplicate() bool { return brokenMode() == "duplicate" }

func testhookAfter(last uint64) uint64 {
	if brokenMode() == "duplicate" && last > 1 {
		return last - 1
	}
	return last
}

// reattached holds the subscriptions whose next delivery is to be dropped.
var reattached sync.Map

func testhookReattached(sub *Subscription) {
	if brokenMode() == "drop_after_reattach" {
		reattached.Store(sub, true)
	}
}

func testhookDropDelivery(sub *Subscription) bool {
	_, ok := reattached.LoadAndDelete(sub)
	return ok
}
