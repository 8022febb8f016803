package faultserver

import (
	"net/http"
)

// serveEcho echoes every data frame back with its type, for generic-mode
// clients. Faults apply to echo connections like to session ones.
func (s *Server) serveEcho(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.upgrade(w, r)
	if !ok {
		return
	}
	c := s.register(ws, EchoPath)
	if c == nil {
		return
	}
	var err error
	defer func() { s.finish(c, err) }()
	for {
		var typ int
		var data []byte
		c.extendRead()
		typ, data, err = ws.ReadMessage()
		if err != nil {
			return
		}
		s.observeFrame(c, typ, data)
		if !c.waitStall() {
			return
		}
		s.mu.Lock()
		if c.enqueue(typ, data) {
			s.count.echo.Add(1)
		}
		s.mu.Unlock()
	}
}
