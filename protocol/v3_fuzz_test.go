package protocol_test

import (
	"bytes"
	"testing"

	"github.com/wschaos/wschaos/protocol"
)

// FuzzDowngrade checks, for every frame Decode accepts, that encoding it
// at each older version succeeds or refuses with a *protocol.Error, and that
// the result decodes and carries none of the newer keys (epoch,
// session_window at v2; v1 also no read_limit, producer, pseq, limits).
// Seeds: v3 attach/attached/welcome frames with epochs and a session window.
func FuzzDowngrade(f *testing.F) {
	for _, s := range []string{
		`{"v":3,"type":"attach","body":{"channel":"a","after":7,"epoch":42}}`,
		`{"v":3,"type":"attached","body":{"channel":"a","serial":9,"oldest":1,"continuity_lost":true,"epoch":18446744073709551615}}`,
		`{"v":3,"type":"welcome","body":{"session":"s","token":"t","heartbeat_ms":1,"resume_ttl_ms":1,"limits":{"max_frame":1,"history":1,"window":1,"deliver_window":1,"max_channels":1,"dedupe_ttl_ms":1,"session_window":9}}}`,
		`{"v":2,"type":"attach","body":{"channel":"a","after":7}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		m, err := protocol.Decode(frame)
		if err != nil {
			return
		}
		for v := protocol.MinVersion; v < protocol.Version; v++ {
			out, err := protocol.EncodeVersion(v, m)
			if err != nil {
				continue // a type that needs a newer version
			}
			if _, got, err := protocol.DecodeFrame(out); err != nil || got != v {
				t.Fatalf("EncodeVersion(%d) of %q = %q: decodes as v%d, %v", v, frame, out, got, err)
			}
			for _, key := range []string{`"epoch"`, `"session_window"`} {
				if bytes.Contains(out, []byte(key)) && !bytes.Contains(frame, []byte(`"data"`)) && !bytes.Contains(frame, []byte(`"client_id"`)) && !bytes.Contains(frame, []byte(`"message"`)) && !bytes.Contains(frame, []byte(`"reason"`)) {
					t.Fatalf("EncodeVersion(%d) of %q = %q carries %s", v, frame, out, key)
				}
			}
		}
	})
}
