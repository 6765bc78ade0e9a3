package mail

import (
	"context"
	"errors"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

func TestForbiddenAddresses(t *testing.T) {
	for _, tc := range []struct {
		addr      string
		forbidden bool
	}{
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.255", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"169.254.1.1", true},
		{"100.64.0.1", true}, // shared address space
		{"100.127.255.254", true},
		{"0.0.0.0", true},
		{"224.0.0.1", true},
		{"239.255.255.250", true},
		{"255.255.255.255", true},
		{"::1", true},
		{"::", true},
		{"fe80::1", true},
		{"fc00::1", true},
		{"fd00:ec2::254", true}, // AWS metadata over IPv6
		{"ff02::1", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped loopback
		{"::ffff:10.0.0.1", true},
		{"::ffff:169.254.169.254", true},
		{"::ffff:8.8.8.8", true}, // any IPv4-mapped address is refused
		{"64:ff9b::a9fe:a9fe", true},
		{"8.8.8.8", false},
		{"1.1.1.1", false},
		{"100.63.255.255", false},
		{"100.128.0.1", false},
		{"172.32.0.1", false},
		{"2a00:1450:4001:80b::200e", false},
		{"2606:4700:4700::1111", false},
	} {
		if got := Forbidden(netip.MustParseAddr(tc.addr)); got != tc.forbidden {
			t.Errorf("Forbidden(%s) = %v, want %v", tc.addr, got, tc.forbidden)
		}
	}
}

// fakeResolver answers every name with fixed addresses.
type fakeResolver []netip.Addr

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return f, nil
}

func TestCheckHost(t *testing.T) {
	ctx := context.Background()
	strict := NewTransport(TransportConfig{Resolver: fakeResolver{netip.MustParseAddr("93.184.216.34"), netip.MustParseAddr("10.0.0.5")}})
	for _, host := range []string{"127.0.0.1", "::1", "169.254.169.254", "::ffff:127.0.0.1", "mixed.example.com"} {
		err := strict.CheckHost(ctx, host)
		if sb.ErrorCode(err) != sb.ECodeValidation {
			t.Errorf("%s: %v, want validation_failed", host, err)
		}
	}
	public := NewTransport(TransportConfig{Resolver: fakeResolver{netip.MustParseAddr("93.184.216.34")}})
	if err := public.CheckHost(ctx, "smtp.example.com"); err != nil {
		t.Errorf("public host refused: %v", err)
	}
	allowed := NewTransport(TransportConfig{AllowPrivate: true})
	if err := allowed.CheckHost(ctx, "127.0.0.1"); err != nil {
		t.Errorf("--smtp-allow-private: %v", err)
	}
}

// The guard applies again when connecting: a host that resolved to a public
// address at PUT time and to loopback now is refused, and nothing is dialled.
func TestSendRefusesInternalAddressAtConnect(t *testing.T) {
	c, err := StartCatcher("127.0.0.1:0", CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, port, _ := net.SplitHostPort(c.Addr())
	tr := NewTransport(TransportConfig{Resolver: fakeResolver{netip.MustParseAddr("127.0.0.1")}})
	var p int
	for _, ch := range port {
		p = p*10 + int(ch-'0')
	}
	err = tr.Send(context.Background(), sb.SMTPServer{Host: "rebinding.example.com", Port: p, FromEmail: "a@example.com", Security: sb.SecurityNone},
		sb.Email{To: "b@example.com", Subject: "x", Text: "x"})
	var de *sb.DeliveryError
	if !errors.As(err, &de) || de.Temporary || !strings.Contains(de.Reply, "internal address") {
		t.Fatalf("err = %v, want a permanent refusal", err)
	}
	if len(c.Messages()) != 0 {
		t.Fatal("the message reached a loopback server")
	}
	// Allowed, the same server gets it.
	ok := NewTransport(TransportConfig{AllowPrivate: true, Resolver: fakeResolver{netip.MustParseAddr("127.0.0.1")}})
	if err := ok.Send(context.Background(), sb.SMTPServer{Host: "rebinding.example.com", Port: p, FromEmail: "a@example.com", Security: sb.SecurityNone},
		sb.Email{To: "b@example.com", Subject: "x", Text: "x"}); err != nil {
		t.Fatal(err)
	}
}

func TestInvitationMessageHeaderSafe(t *testing.T) {
	m, err := InvitationMessage(sb.InvitationEmail{To: "b@example.com", WorkspaceName: "Evil\r\nBcc: x@example.com", InviterName: "Eve\nX-Injected: 1",
		Role: sb.RoleAdmin, AcceptURL: "http://h/invite/sbi_x"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject holds a line break: %q", m.Subject)
	}
	c, err := StartCatcher("127.0.0.1:0", CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	host, port, _ := net.SplitHostPort(c.Addr())
	var p int
	for _, ch := range port {
		p = p*10 + int(ch-'0')
	}
	tr := NewTransport(TransportConfig{AllowPrivate: true})
	if err := tr.Send(context.Background(), sb.SMTPServer{Host: host, Port: p, FromEmail: "a@example.com", FromName: "A", Security: sb.SecurityNone}, m); err != nil {
		t.Fatal(err)
	}
	got := c.Messages()[0]
	if strings.Contains(got.Raw, "\r\nBcc:") || strings.Contains(got.Raw, "\r\nX-Injected:") || len(got.To) != 1 {
		t.Fatalf("header injected:\n%s", got.Raw)
	}
	if !strings.Contains(got.Text, "http://h/invite/sbi_x") || !strings.Contains(got.HTML, `href="http://h/invite/sbi_x"`) {
		t.Fatalf("link missing: %q", got.Text)
	}
	// The dev page lists it with the link clickable.
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest("GET", "/dev/mail", nil))
	if !strings.Contains(rec.Body.String(), `<a href="http://h/invite/sbi_x">`) {
		t.Fatalf("dev page: %s", rec.Body.String())
	}
}
