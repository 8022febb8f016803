package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestDefaultClassify(t *testing.T) {
	fatalStatus := []int{301, 400, 401, 403, 404, 405, 410, 426}
	retryStatus := []int{0, 408, 425, 429, 500, 502, 503, 504}
	fatalClose := []int{1002, 1003, 1007, 1008, 1010}
	retryClose := []int{1000, 1001, 1005, 1006, 1009, 1011, 1012, 1013, 1014, 3000, 4000, 4999}
	check := func(f Failure, want Verdict) {
		t.Helper()
		if got := DefaultClassify(f); got != want {
			t.Errorf("DefaultClassify(%+v) = %s, want %s", f, got, want)
		}
	}
	for _, s := range fatalStatus {
		check(Failure{Stage: StageHandshake, HTTPStatus: s}, Fatal)
	}
	for _, s := range retryStatus {
		check(Failure{Stage: StageHandshake, HTTPStatus: s}, Retry)
	}
	for _, c := range fatalClose {
		check(Failure{Stage: StageClose, CloseCode: c}, Fatal)
	}
	for _, c := range retryClose {
		check(Failure{Stage: StageClose, CloseCode: c}, Retry)
	}
	// A certificate that fails verification is a configuration error: fatal.
	for _, e := range []error{
		&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}},
		x509.HostnameError{Host: "wrong.invalid"},
		x509.CertificateInvalidError{Reason: x509.Expired},
	} {
		check(Failure{Stage: StageHandshake, Err: &HandshakeError{Err: fmt.Errorf("tls: %w", e)}}, Fatal)
	}
	// Other TLS failures stay retryable (negative control).
	check(Failure{Stage: StageHandshake, Err: &HandshakeError{Err: tls.RecordHeaderError{Msg: "not TLS"}}}, Retry)
	check(Failure{Stage: StageHandshake, Err: &HandshakeError{Err: errors.New("remote error: tls: internal error")}}, Retry)
	check(Failure{Stage: StageIO, Err: errors.New("reset")}, Retry)
	check(Failure{Stage: StageHeartbeat}, Retry)
	check(Failure{Stage: StageOpen, Err: fmt.Errorf("hello: %w", &FatalError{Err: errors.New("bad token")})}, Fatal)
}

func TestFailureOf(t *testing.T) {
	for _, tc := range []struct {
		err   error
		stage Stage
		code  int
		sts   int
	}{
		{&HandshakeError{Status: 503}, StageHandshake, 0, 503},
		{&CloseError{Code: 1012}, StageClose, 1012, 0},
		{fmt.Errorf("dropped: %w", &CloseError{Code: 1006}), StageIO, 1006, 0},
		{&HeartbeatError{Timeout: time.Second}, StageHeartbeat, 0, 0},
		{&openError{err: errors.New("no welcome")}, StageOpen, 0, 0},
		{&openError{err: &CloseError{Code: 1008}}, StageClose, 1008, 0},
		{errors.New("broken pipe"), StageIO, 0, 0},
	} {
		f := failureOf(tc.err)
		if f.Stage != tc.stage || f.CloseCode != tc.code || f.HTTPStatus != tc.sts {
			t.Errorf("failureOf(%v) = %+v, want stage %s code %d status %d", tc.err, f, tc.stage, tc.code, tc.sts)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		v    string
		want time.Duration
	}{
		{"", 0}, {"3", 3 * time.Second}, {" 7 ", 7 * time.Second}, {"0", 0}, {"-5", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"99999999999", 24 * time.Hour},
	} {
		if got := parseRetryAfter(tc.v, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestErrorsAs(t *testing.T) {
	last := &HandshakeError{Status: 503, Err: errors.New("bad handshake")}
	var err error = fmt.Errorf("wrapped: %w", &LimitError{Limit: "max attempts", Attempts: 3, Last: last})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "max attempts" || le.Attempts != 3 {
		t.Fatalf("errors.As LimitError failed on %v", err)
	}
	if HTTPStatus(err) != 503 {
		t.Fatalf("HTTPStatus through LimitError = %d, want 503", HTTPStatus(err))
	}
	if CloseCode(err) != 0 || CloseCode(&FatalError{CloseCode: 1008, Err: &CloseError{Code: 1008}}) != 1008 {
		t.Fatal("CloseCode helper wrong")
	}
}

func asLimit(err error, le **LimitError) bool         { return errors.As(err, le) }
func asHeartbeat(err error, hb **HeartbeatError) bool { return errors.As(err, hb) }
