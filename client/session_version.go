package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/wschaos/wschaos/protocol"
)

// ErrUnsupportedVersion is wrapped by the opening error when the server
// refused (error unsupported) every protocol version from protocol.Version
// down to protocol.MinVersion: it speaks none this client does. The
// transport keeps retrying (the server may be upgraded meanwhile); the
// error is in each EventStateChanged's Err.
var ErrUnsupportedVersion = errors.New("client: server speaks no protocol version this client does")

// Version negotiation: the client writes every frame in s.wire, which starts
// at protocol.Version. A server that does not speak it answers the hello or
// resume with error{unsupported} (the fault server with
// Config.MaxVersion; any strict v1 server); the client then retries the
// same request one version lower on the same connection, and keeps the
// version that worked for the rest of the session (if none did, the next
// connection starts again at protocol.Version) (a v3 server answers a
// v1 or v2 peer in kind). Below v2 there are no limits, no credit, no
// skipped/rejected and no producer dedupe; below v3 no channel epochs.

// wireVersion is the protocol version frames are written in.
func (s *Session) wireVersion() int { return int(s.wire.Load()) }

// WireVersion is the protocol version the session speaks with the server:
// protocol.Version unless the server refused it (see ErrUnsupportedVersion).
func (s *Session) WireVersion() int { return s.wireVersion() }

// encode returns m's frame in the negotiated version.
func (s *Session) encode(m protocol.Message) ([]byte, error) {
	return protocol.EncodeVersion(s.wireVersion(), m)
}

// handshake is request for hello and resume: refused with unsupported, it
// steps the version down and asks again, at most down to MinVersion.
func (s *Session) handshake(ctx context.Context, w frameWriter, m protocol.Message) (protocol.Message, error) {
	for {
		reply, err := s.request(ctx, w, m)
		var se *ServerError
		if err == nil || !errors.As(err, &se) || se.Code != protocol.CodeUnsupported {
			return reply, err
		}
		v := s.wire.Load()
		if v <= protocol.MinVersion {
			s.wire.Store(protocol.Version) // the next connection starts over
			return nil, fmt.Errorf("%w (tried %d down to %d): %w", ErrUnsupportedVersion, protocol.Version, protocol.MinVersion, err)
		}
		s.wire.CompareAndSwap(v, v-1)
		s.mu.Lock()
		s.stats.VersionFallbacks++
		s.mu.Unlock()
		s.log.Warn("session: server refused the protocol version, trying an older one", "refused", v, "next", v-1, "err", err)
	}
}
