package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// Stage says where a failure happened.
type Stage int

// Failure stages.
const (
	// StageHandshake: the dial or HTTP upgrade failed (HTTPStatus set if the server answered).
	StageHandshake Stage = iota + 1
	// StageOpen: the open hook (session hello) or the re-subscribe writes failed.
	StageOpen
	// StageClose: the server sent a close frame (CloseCode set).
	StageClose
	// StageIO: a read or write on a live connection failed (abrupt drop).
	StageIO
	// StageHeartbeat: no frame arrived within PongTimeout (half-open connection).
	StageHeartbeat
)

func (s Stage) String() string {
	switch s {
	case StageHandshake:
		return "handshake"
	case StageOpen:
		return "open"
	case StageClose:
		return "close"
	case StageIO:
		return "io"
	case StageHeartbeat:
		return "heartbeat"
	}
	return "unknown"
}

// Failure describes one failed attempt or lost connection, for classification.
type Failure struct {
	Stage      Stage
	HTTPStatus int // handshake status, 0 if none
	CloseCode  int // close code from the server, 0 if none
	Err        error
}

// Verdict is what to do about a Failure.
type Verdict int

// Verdicts. The zero value is Retry.
const (
	// Retry: back off and dial again (subject to the retry limits).
	Retry Verdict = iota
	// Fatal: stop now; the client moves to StateFailed with a *FatalError.
	Fatal
)

func (v Verdict) String() string {
	if v == Fatal {
		return "fatal"
	}
	return "retry"
}

// DefaultClassify is the classification used when Config.Classify is nil. A
// custom Classify may call it for the cases it does not care about.
//
// Handshake statuses:
//   - fatal: 3xx (redirects are not followed; the URL is wrong), and every 4xx
//     except the three below (400, 401, 403, 404, 405, 410, 426, ...):
//     asking again will get the same answer.
//   - retryable: 408 Request Timeout, 425 Too Early, 429 Too Many Requests,
//     every 5xx, and no HTTP answer at all (refused, reset, timeout), except:
//   - fatal: a server certificate that fails verification (unknown authority,
//     wrong host name, expired or otherwise invalid).
//     It is a configuration error, TLSConfig's or the URL's, that no retry
//     fixes; retrying would hide it behind an endless reconnect loop. Other
//     TLS failures (alerts, a peer that does not speak TLS) stay retryable.
//
// Close codes:
//   - fatal: 1008 policy violation, and the codes saying the two ends do not
//     speak the same protocol: 1002 protocol error, 1003 unsupported data,
//     1007 invalid payload, 1010 mandatory extension.
//   - retryable: everything else, notably 1000 normal closure (the server may
//     close normally when it restarts), 1001 going away, 1005 no status,
//     1006 abnormal, 1009 message too big, 1011 internal error, 1012 service
//     restart, 1013 try again later, 1014 bad gateway, 1015 TLS, and the
//     application ranges 3000-4999 (override Classify to make one fatal).
//
// I/O errors, heartbeat timeouts and open-hook errors are retryable, unless
// the error wraps a *FatalError.
func DefaultClassify(f Failure) Verdict {
	if _, ok := asFatal(f.Err); ok {
		return Fatal
	}
	switch f.Stage {
	case StageHandshake:
		if isCertificateError(f.Err) {
			return Fatal
		}
		s := f.HTTPStatus
		switch {
		case s == 0, s == 408, s == 425, s == 429, s >= 500:
			return Retry
		case s >= 300 && s < 500:
			return Fatal
		}
		return Retry
	case StageClose:
		switch f.CloseCode {
		case 1002, 1003, 1007, 1008, 1010:
			return Fatal
		}
	}
	return Retry
}

// isCertificateError reports whether err (anywhere in its chain) is a failed
// verification of the server's certificate: crypto/tls's
// *CertificateVerificationError, or one of the x509 errors it wraps.
func isCertificateError(err error) bool {
	var cve *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

func asFatal(err error) (*FatalError, bool) {
	var fe *FatalError
	ok := err != nil && errors.As(err, &fe)
	return fe, ok
}

// failureOf describes err (a dial error or a connection's end) for Classify.
func failureOf(err error) Failure {
	f := Failure{Stage: StageIO, Err: err, HTTPStatus: HTTPStatus(err), CloseCode: CloseCode(err)}
	var he *HandshakeError
	var oe *openError
	var hb *HeartbeatError
	switch {
	case errors.As(err, &he):
		f.Stage = StageHandshake
	case f.CloseCode != 0 && f.CloseCode != 1006:
		f.Stage = StageClose
	case errors.As(err, &hb):
		f.Stage = StageHeartbeat
	case errors.As(err, &oe):
		f.Stage = StageOpen
	}
	return f
}
