package dialer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/internal/dialer"
)

func TestSignAndVerify(t *testing.T) {
	now := time.Unix(1_770_000_000, 0)
	body := []byte(`{"type":"call.requested"}`)
	h := dialer.Sign("s3cret-s3cret-s3cret", now, body)
	if !strings.HasPrefix(h, "t=1770000000,v1=") || len(h) != len("t=1770000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	if err := dialer.Verify("s3cret-s3cret-s3cret", h, body, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]func() error{
		"other secret": func() error { return dialer.Verify("other-secret-other", h, body, now, time.Minute) },
		"other body":   func() error { return dialer.Verify("s3cret-s3cret-s3cret", h, []byte(`{}`), now, time.Minute) },
		"too old":      func() error { return dialer.Verify("s3cret-s3cret-s3cret", h, body, now.Add(time.Hour), 5*time.Minute) },
		"no timestamp": func() error { return dialer.Verify("s3cret-s3cret-s3cret", h[strings.Index(h, ",")+1:], body, now, 0) },
		"other timestamp": func() error {
			return dialer.Verify("s3cret-s3cret-s3cret", strings.Replace(h, "t=1770000000", "t=1770000001", 1), body, now, 0)
		},
	} {
		if err := bad(); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		status         int
		err            error
		taken, refused bool
	}{
		{200, nil, true, false}, {202, nil, true, false}, {204, nil, true, false},
		{400, nil, false, true}, {401, nil, false, true}, {404, nil, false, true}, {422, nil, false, true},
		{408, nil, false, false}, {429, nil, false, false}, {500, nil, false, false}, {503, nil, false, false},
		{302, nil, false, false}, {0, errors.New("timeout"), false, false},
	} {
		r := dialer.Classify(c.status, "", c.err, 0)
		if r.Taken != c.taken || r.Refused != c.refused || (!c.taken && !c.refused && r.RetryIn <= 0) {
			t.Errorf("%d %v: %+v", c.status, c.err, r)
		}
	}
	if dialer.Backoff(0) != 2*time.Second || dialer.Backoff(1) != 4*time.Second || dialer.Backoff(30) != 5*time.Minute {
		t.Fatalf("backoff %v %v %v", dialer.Backoff(0), dialer.Backoff(1), dialer.Backoff(30))
	}
}

// TestClientGuardAndHeaders posts to a real server on loopback: the signature and
// the idempotency key arrive; a client without private hosts refuses loopback.
func TestClientGuardAndHeaders(t *testing.T) {
	var sig, key string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sig, key = r.Header.Get(dialer.SignatureHeader), r.Header.Get("Idempotency-Key")
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	ctx := context.Background()
	status, detail, err := dialer.NewClient(true, nil).Post(ctx, srv.URL, "s3cret-s3cret-s3cret", "dsp_1", []byte(`{}`))
	if err != nil || status != 202 || detail != "ok" || key != "dsp_1" {
		t.Fatalf("post: %d %q %v key %q", status, detail, err, key)
	}
	if err := dialer.Verify("s3cret-s3cret-s3cret", sig, []byte(`{}`), time.Now(), time.Minute); err != nil {
		t.Fatal(err)
	}
	strict := dialer.NewClient(false, nil)
	if err := strict.CheckURL(ctx, srv.URL); err == nil {
		t.Fatal("loopback URL passed the guard")
	}
	if _, _, err := strict.Post(ctx, srv.URL, "s3cret-s3cret-s3cret", "dsp_2", []byte(`{}`)); err == nil {
		t.Fatal("posted to loopback through the guard")
	}
}
