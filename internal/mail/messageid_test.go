package mail

import (
	"context"
	"net"
	netmail "net/mail"
	"strconv"
	"strings"
	"testing"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// A message sent again (a worker died between the server's answer and recording
// it) keeps its Message-ID, so the receiver shows one message; messages without
// one get a fresh id each.
func TestMessageIDStableAcrossSends(t *testing.T) {
	c, err := StartCatcher("127.0.0.1:0", CatcherOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	host, port, _ := net.SplitHostPort(c.Addr())
	p, _ := strconv.Atoi(port)
	tr := NewTransport(TransportConfig{AllowPrivate: true})
	server := sb.SMTPServer{Host: host, Port: p, FromEmail: "a@example.com", Security: sb.SecurityNone}
	for _, m := range []sb.Email{
		{To: "b@example.com", Subject: "hi", Text: "hello", MessageID: "mail_1@switchboard"},
		{To: "b@example.com", Subject: "hi", Text: "hello", MessageID: "mail_1@switchboard"},
		{To: "b@example.com", Subject: "hi", Text: "hello"},
		{To: "b@example.com", Subject: "hi", Text: "hello"},
	} {
		if err := tr.Send(context.Background(), server, m); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, m := range c.Messages() {
		parsed, err := netmail.ReadMessage(strings.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, parsed.Header.Get("Message-ID"))
	}
	if len(ids) != 4 {
		t.Fatalf("caught %d messages, want 4", len(ids))
	}
	if ids[0] != "<mail_1@switchboard>" || ids[1] != ids[0] {
		t.Errorf("a message sent twice has Message-IDs %q and %q, want <mail_1@switchboard> both times", ids[0], ids[1])
	}
	if ids[2] == "" || ids[2] == ids[3] || ids[2] == ids[0] {
		t.Errorf("messages without an id got %q and %q: want two fresh ids", ids[2], ids[3])
	}
}
