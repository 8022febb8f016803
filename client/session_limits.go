package client

import (
	"encoding/base64"
	"fmt"
	"math"

	"github.com/wschaos/wschaos/protocol"
)

// frameSize is the exact size of m's frame once its data field holds size
// payload bytes: the encoder writes []byte as standard base64. Serial and
// sequence fields are set to their widest value by the caller, so the result
// bounds every frame of that channel and payload size.
func frameSize(m protocol.Message, size int) (int64, error) {
	frame, err := protocol.Encode(m)
	if err != nil {
		return 0, err
	}
	return int64(len(frame) + base64.StdEncoding.EncodedLen(size)), nil
}

// sizeCheckLocked refuses, before it enters the window, a payload that could
// never be delivered: the message frame the server fans out would exceed the
// client's own ReadLimit (every subscriber with the same limit would loop on
// close 1009), or the publish frame would exceed the server's announced read
// limit (s.maxFrame, 0 while unknown). The caller holds s.mu.
func (s *Session) sizeCheckLocked(channel string, size int) error {
	msg, err := frameSize(protocol.ChannelMessage{Channel: channel, Serial: math.MaxUint64, Data: []byte{}}, size)
	if err != nil {
		return fmt.Errorf("client: failed to publish to %q: %w", channel, err)
	}
	if limit := s.c.cfg.ReadLimit; msg > limit {
		return fmt.Errorf("client: failed to publish %d bytes to %q: its message frame (%d bytes) exceeds ReadLimit %d: %w",
			size, channel, msg, limit, ErrPayloadTooLarge)
	}
	if s.maxFrame > 0 {
		pub, err := frameSize(protocol.Publish{Seq: math.MaxUint64, Channel: channel, Data: []byte{}}, size)
		if err != nil {
			return fmt.Errorf("client: failed to publish to %q: %w", channel, err)
		}
		if pub > s.maxFrame {
			return fmt.Errorf("client: failed to publish %d bytes to %q: its frame (%d bytes) exceeds the server's read limit %d: %w",
				size, channel, pub, s.maxFrame, ErrPayloadTooLarge)
		}
	}
	return nil
}
