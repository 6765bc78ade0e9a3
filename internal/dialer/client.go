// Package dialer sends campaign dispatches to voice engines: the signed HTTP client
// (through the SSRF guard), and the worker every replica runs, which claims
// dispatches from the store and records what the engine answered.
package dialer

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/internal/mail"
	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// SignatureHeader carries t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
const SignatureHeader = "Switchboard-Signature"

// Timeout is how long a dispatch waits for the engine's answer.
const Timeout = 10 * time.Second

// Sign returns the Switchboard-Signature value of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Verify checks a Switchboard-Signature header against body and secret, accepting
// timestamps within tolerance of now (0: any).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return errors.New("dialer: malformed signature header")
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return errors.New("dialer: signature timestamp outside tolerance")
		}
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("dialer: signature mismatch")
}

// Client posts signed requests to voice engines through the SSRF guard.
type Client struct {
	guard *mail.HostGuard
	http  *http.Client
	now   func() time.Time
}

// NewClient returns an engine client; allowPrivate lets engines live on loopback
// and private addresses (--smtp-allow-private, implied by --dev).
func NewClient(allowPrivate bool, now func() time.Time) *Client {
	if now == nil {
		now = time.Now
	}
	g := mail.NewHostGuard(allowPrivate)
	tr := &http.Transport{
		DialContext:           g.DialContext,
		Proxy:                 nil,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
	}
	return &Client{guard: g, now: now, http: &http.Client{
		Transport: tr,
		Timeout:   Timeout,
		// A redirect could lead anywhere; the engine answers at its own URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// CheckURL refuses a URL whose host resolves to an address tenants may not reach.
func (c *Client) CheckURL(ctx context.Context, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if err := c.guard.Check(ctx, u.Hostname()); err != nil {
		msg := "The voice engine's host " + err.Error() + "; use a public address."
		return &sb.Error{Code: sb.ECodeValidation, Message: msg, Fields: []sb.FieldError{{Location: "body.url", Message: msg}}}
	}
	return nil
}

// Post sends one signed request and returns the answer's status and the start of
// its body.
func (c *Client) Post(ctx context.Context, rawURL, secret, key string, body []byte) (int, string, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Switchboard-Dialler/1")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.Header.Set(SignatureHeader, Sign(secret, c.now(), body))
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 500))
	return resp.StatusCode, strings.TrimSpace(string(b)), nil
}

// Classify turns an answer (or its absence) into a result: 2xx taken; 4xx other
// than 408 and 429 refused for good; anything else retried with backoff.
func Classify(status int, detail string, err error, sends int64) sb.DispatchResult {
	r := sb.DispatchResult{Status: status, Detail: detail}
	switch {
	case err != nil:
		r.Detail = err.Error()
	case status >= 200 && status < 300:
		r.Taken = true
		return r
	case status >= 400 && status < 500 && status != 408 && status != 429:
		r.Refused = true
		if r.Detail == "" {
			r.Detail = fmt.Sprintf("HTTP %d", status)
		}
		return r
	}
	r.RetryIn = Backoff(sends)
	return r
}

// Backoff is the wait before the next send after sends failed ones: 2 s doubling
// up to 5 min.
func Backoff(sends int64) time.Duration {
	d := 2 * time.Second
	for i := int64(0); i < sends && d < 5*time.Minute; i++ {
		d *= 2
	}
	return min(d, 5*time.Minute)
}
