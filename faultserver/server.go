package faultserver

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// ErrServerClosed is returned by methods called after [Server.Close].
var ErrServerClosed = errors.New("faultserver: server closed")

// ErrNotRunning is returned by methods that need a started, listening server.
var ErrNotRunning = errors.New("faultserver: server not running")

type serverState int

const (
	stateNew serverState = iota
	stateRunning
	stateDown // restarting: listener closed
	stateClosed
)

// Server is a fault-injecting WebSocket server. Create it with [New], then
// call [Server.Start]; [Server.Close] releases everything.
type Server struct {
	cfg      Config
	log      *slog.Logger
	events   *eventLog
	count    counters
	upgrader websocket.Upgrader
	// writeBufs is the upgrader's WriteBufferPool.
	writeBufs sync.Pool

	mu        sync.Mutex // guards everything below
	state     serverState
	addr      string // main listener address, fixed by the first bind
	adminAddr string
	hs        *http.Server
	adminHS   *http.Server
	genStop   chan struct{} // closed when the current listener generation goes down
	stop      chan struct{} // closed by Close
	sessions  map[string]*session
	channels  map[string]*channel
	producers map[string]*producer // v2 dedupe state, by Hello.Producer
	epoch     uint64               // the last channel epoch handed out (channel.go)
	conns     map[*conn]struct{}
	nextConn  uint64
	rnd       *rand.Rand
	faults    faultState
	obs       observer // conformance records (observe.go)

	wg sync.WaitGroup // every goroutine the server owns; Add only under mu while not closed
}

// New validates cfg and returns an unstarted server.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		var b [8]byte
		_, _ = crand.Read(b[:]) // never fails since Go 1.24
		seed = binary.LittleEndian.Uint64(b[:])
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Logger,
		events:    newEventLog(cfg.EventLogSize),
		sessions:  make(map[string]*session),
		producers: make(map[string]*producer),
		channels:  make(map[string]*channel),
		conns:     make(map[*conn]struct{}),
		stop:      make(chan struct{}),
		rnd:       rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
	}
	// A shared write buffer pool: a connection holds a write buffer only
	// while it writes a message, not 4 KiB for its whole life.
	s.upgrader = websocket.Upgrader{HandshakeTimeout: 10 * time.Second, WriteBufferPool: &s.writeBufs}
	return s, nil
}

// Start binds the main listener (and the admin listener unless disabled) and
// serves until Close. ctx bounds only the start itself.
func (s *Server) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateClosed:
		return ErrServerClosed
	case stateRunning, stateDown:
		return errors.New("faultserver: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("faultserver: failed to listen on %s: %w", s.cfg.Addr, err)
	}
	var adminLn net.Listener
	if !s.cfg.DisableAdmin {
		adminLn, err = lc.Listen(ctx, "tcp", s.cfg.AdminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("faultserver: failed to listen on admin %s: %w", s.cfg.AdminAddr, err)
		}
	}
	s.addr = ln.Addr().String()
	s.state = stateRunning
	s.serveLocked(ln)
	s.emit(Event{Kind: EventListening, Detail: s.addr})
	s.log.Info("fault server listening", "addr", s.addr)
	if adminLn != nil {
		s.adminAddr = adminLn.Addr().String()
		s.adminHS = newHTTPServer(s.adminHandler(), true)
		hs := s.adminHS
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := hs.Serve(adminLn); !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("admin listener failed", "err", err)
			}
		}()
		s.emit(Event{Kind: EventAdminListening, Detail: s.adminAddr})
		s.log.Info("fault server admin API listening", "addr", s.adminAddr)
	}
	s.wg.Add(1)
	go s.janitor()
	return nil
}

// serveLocked starts a new listener generation on ln. Caller holds mu.
func (s *Server) serveLocked(ln net.Listener) {
	hs := newHTTPServer(s.mainHandler(), false)
	hs.ReadHeaderTimeout = s.cfg.HandshakeTimeout // slowloris: headers dribbled in
	s.hs = hs
	s.genStop = make(chan struct{})
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("listener failed", "err", err)
		}
	}()
}

// newHTTPServer returns an http.Server with timeouts. The main listener gets
// no whole-request timeouts: a delayed handshake may legitimately take long,
// and gorilla clears deadlines on the hijacked connection anyway.
func newHTTPServer(h http.Handler, admin bool) *http.Server {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	if admin {
		hs.ReadTimeout = 30 * time.Second
		hs.WriteTimeout = 30 * time.Second
	}
	return hs
}

func (s *Server) mainHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+SessionPath, s.observed(s.serveSession))
	mux.HandleFunc("GET "+EchoPath, s.observed(s.serveEcho))
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}` + "\n"))
	})
	return mux
}

// Close stops the listeners, drops every connection without a close frame,
// stops every goroutine and waits for them, or returns ctx.Err() if ctx ends
// first. It is safe to call more than once.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if s.state == stateClosed {
		s.mu.Unlock()
		return nil
	}
	s.state = stateClosed
	close(s.stop)
	if s.genStop != nil {
		close(s.genStop)
		s.genStop = nil
	}
	hs, admin := s.hs, s.adminHS
	s.hs = nil
	conns := s.connsLocked()
	s.mu.Unlock()

	if hs != nil {
		hs.Close()
	}
	if admin != nil {
		admin.Close()
	}
	for _, c := range conns {
		c.kill("server closed")
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		s.log.Info("fault server closed")
		return nil
	case <-ctx.Done():
		return fmt.Errorf("faultserver: close: %w", ctx.Err())
	}
}

// spawn runs f on a goroutine the server waits for in Close; false if closed.
func (s *Server) spawn(f func()) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateClosed {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		f()
	}()
	return true
}

// Addr returns the main listener's host:port ("" before Start). It stays the
// same across restarts.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// URL returns the main listener's base WebSocket URL, "ws://host:port".
func (s *Server) URL() string { return "ws://" + s.Addr() }

// SessionURL returns the session endpoint, "ws://host:port/ws".
func (s *Server) SessionURL() string { return s.URL() + SessionPath }

// EchoURL returns the echo endpoint, "ws://host:port/echo".
func (s *Server) EchoURL() string { return s.URL() + EchoPath }

// AdminURL returns the admin API base URL, "http://host:port" ("" when the
// admin listener is disabled or the server is not started).
func (s *Server) AdminURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.adminAddr == "" {
		return ""
	}
	return "http://" + s.adminAddr
}

// janitor forgets sessions that outlived their TTL.
func (s *Server) janitor() {
	defer s.wg.Done()
	every := min(max(s.cfg.SessionTTL/4, 10*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case now := <-t.C:
			s.expireSessions(now)
			s.expireProducers(now)
			s.expireChannels(now)
		}
	}
}
