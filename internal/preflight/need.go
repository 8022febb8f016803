package preflight

import "fmt"

// File descriptors, counted per socket this process holds.
const (
	// FDMargin covers what does not scale with clients: the fault server's,
	// the proxy's and the admin listeners, the embedded Toxiproxy's API,
	// stdio, report files, the runtime's epoll and pipe, and sockets of a
	// reconnect still closing while the next one dials. Measured: a 200-client
	// all-embedded run (with a restart) peaks at 817 open descriptors in
	// /proc/PID/fd, 200 x 4 + 2 for the agent + 15 fixed, so 64 leaves about
	// 50 for churn.
	FDMargin = 64
)

// Memory budget, measured on the 2-core CI machine with `wschaos run` of the
// all-embedded stack (2 channels per client, 1 message/s each way, one 3 s
// restart), reading peak RSS (getrusage ru_maxrss via /usr/bin/time -f %M),
// three runs each of 20 and 200 clients for 15 s, and two of 200 clients for
// 30 s. The slope between 20 and 200 clients at 15 s gives per client plus
// its share of messages; the slope between 15 s and 30 s at 200 clients
// gives per message. See the package doc for the figures.
const (
	// MemBase is the process with its stack and no clients.
	MemBase = 24 << 20
	// MemPerClient is a client's sessions, sockets, goroutines, queues and,
	// embedded, its Toxiproxy link buffers, without its messages.
	MemPerClient = 460 << 10
	// MemPerMessage is what the recorder keeps per publication.
	MemPerMessage = 5632
)

// Need is what a plan needs from one process.
type Need struct {
	Layout Layout
	// FDsPerClient is the sockets one load client costs this process.
	FDsPerClient int
	// FDs is the whole need: clients, the agent's session, FDMargin.
	FDs int
	// Memory is the estimated peak RSS in bytes.
	Memory uint64
}

// Compute returns what l needs. Per client: its own socket; with the
// embedded Toxiproxy the proxy's accept and upstream dial sockets; with the
// local fault server its accept socket. The agent session dials the server
// directly (not through the proxy): its socket, plus the server's accept
// when local.
func Compute(l Layout) Need {
	per := 1
	if l.EmbeddedToxiproxy {
		per += 2
	}
	agent := 1
	if l.LocalServer {
		per++
		agent++
	}
	clients := max(l.Clients, 0)
	mem := uint64(MemBase) + uint64(clients)*MemPerClient + uint64(max(l.Messages, 0))*MemPerMessage
	return Need{Layout: l, FDsPerClient: per, FDs: clients*per + agent + FDMargin, Memory: mem}
}

// MaxClients is how many clients of l's shape fit in fds descriptors.
func MaxClients(l Layout, fds uint64) int {
	n := Compute(Layout{EmbeddedToxiproxy: l.EmbeddedToxiproxy, LocalServer: l.LocalServer})
	if fds <= uint64(n.FDs) {
		return 0
	}
	return int((fds - uint64(n.FDs)) / uint64(n.FDsPerClient))
}

// String says the need in one line, as `wschaos run --check` prints it.
func (n Need) String() string {
	return fmt.Sprintf("needs %d file descriptors (%d clients x %d + %d; %s) and about %s of memory (%d messages)",
		n.FDs, n.Layout.Clients, n.FDsPerClient, n.FDs-n.Layout.Clients*n.FDsPerClient, n.Layout, mib(n.Memory), n.Layout.Messages)
}

func mib(b uint64) string {
	if b >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", (b+(1<<19))>>20)
}
