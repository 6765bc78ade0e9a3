package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"html/template"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Caught is one message the catcher received.
type Caught struct {
	ID      int
	At      time.Time
	From    string
	To      []string
	Subject string
	// Text is the decoded plain-text part; HTML the decoded HTML part.
	Text string
	HTML string
	Raw  string
}

// CatcherOptions adjust a catcher; tests use them to play failing servers.
type CatcherOptions struct {
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string
	// OnMail, OnRcpt and OnData, when set, may refuse a step with an
	// *smtp.SMTPError (use Reply).
	OnMail func(from string) error
	OnRcpt func(to string) error
	OnData func() error
	// Max is how many messages are kept, newest last; default 200.
	Max int
	// TLSConfig enables STARTTLS; with ImplicitTLS the whole connection is TLS.
	TLSConfig   *tls.Config
	ImplicitTLS bool
	// Keeper, when set, also keeps every message (serve --dev: the database, so
	// that every replica's /dev/mail shows the mail any of them caught, and a
	// restart loses none); the page then reads from it.
	Keeper Keeper
}

// Keeper keeps caught mail outside the process.
type Keeper interface {
	KeepCaughtMail(ctx context.Context, m Caught) error
	// RecentCaughtMail returns up to n messages, newest first.
	RecentCaughtMail(ctx context.Context, n int) ([]Caught, error)
}

// Reply is an SMTP error reply, for CatcherOptions hooks.
func Reply(code int, message string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: message}
}

// Catcher is an SMTP server on loopback that keeps what it receives in memory:
// serve --dev's mail catcher, and the tests' mail server.
type Catcher struct {
	opts CatcherOptions
	srv  *smtp.Server
	ln   net.Listener
	mu   sync.Mutex
	msgs []Caught
	next int
}

// StartCatcher listens on addr (such as 127.0.0.1:1025, or 127.0.0.1:0) and serves.
func StartCatcher(addr string, opts CatcherOptions) (*Catcher, error) {
	if opts.Max == 0 {
		opts.Max = 200
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if opts.TLSConfig != nil && opts.ImplicitTLS {
		ln = tls.NewListener(ln, opts.TLSConfig)
	}
	c := &Catcher{opts: opts, ln: ln}
	c.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{c: c}, nil }))
	c.srv.Domain = "localhost"
	c.srv.AllowInsecureAuth = true
	c.srv.ReadTimeout = time.Minute
	c.srv.WriteTimeout = time.Minute
	c.srv.MaxMessageBytes = 10 << 20
	if opts.TLSConfig != nil && !opts.ImplicitTLS {
		c.srv.TLSConfig = opts.TLSConfig
	}
	go c.srv.Serve(ln)
	return c, nil
}

// Addr is the address the catcher listens on.
func (c *Catcher) Addr() string { return c.ln.Addr().String() }

// Close stops the catcher.
func (c *Catcher) Close() error { return c.srv.Close() }

// Messages returns what the catcher holds, oldest first.
func (c *Catcher) Messages() []Caught {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Caught(nil), c.msgs...)
}

func (c *Catcher) add(m Caught) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	m.ID = c.next
	c.msgs = append(c.msgs, m)
	if len(c.msgs) > c.opts.Max {
		c.msgs = c.msgs[len(c.msgs)-c.opts.Max:]
	}
}

type session struct {
	c    *Catcher
	auth bool
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.c.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.c.opts.Username || password != s.c.opts.Password {
			return smtp.ErrAuthFailed
		}
		s.auth = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.c.opts.Username != "" && !s.auth {
		return smtp.ErrAuthRequired
	}
	if s.c.opts.OnMail != nil {
		if err := s.c.opts.OnMail(from); err != nil {
			return err
		}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.c.opts.OnRcpt != nil {
		if err := s.c.opts.OnRcpt(to); err != nil {
			return err
		}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.c.opts.OnData != nil {
		if err := s.c.opts.OnData(); err != nil {
			return err
		}
	}
	m := Caught{At: time.Now().UTC(), From: s.from, To: s.to, Raw: string(raw)}
	if msg, err := netmail.ReadMessage(bytes.NewReader(raw)); err == nil {
		dec := new(mime.WordDecoder)
		m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
		m.Text, m.HTML = parts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	}
	if k := s.c.opts.Keeper; k != nil {
		// Refused (a 451, which senders retry) when it cannot be kept.
		if err := k.KeepCaughtMail(context.Background(), m); err != nil {
			return Reply(451, "The message could not be kept; try again later.")
		}
	}
	s.c.add(m)
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// parts decodes the plain-text and HTML parts of a body.
func parts(contentType, encoding string, body io.Reader) (text, html string) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				break
			}
			t, h := parts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p)
			if text == "" {
				text = t
			}
			if html == "" {
				html = h
			}
		}
		return text, html
	}
	var rd io.Reader = body
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		rd = quotedprintable.NewReader(body)
	case "base64":
		rd = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, _ := io.ReadAll(rd)
	switch mt {
	case "text/plain":
		return string(b), ""
	case "text/html":
		return "", string(b)
	}
	return "", ""
}

var urlRe = regexp.MustCompile(`https?://[^\s<>"]+`)

type segment struct {
	Text string
	Link bool
}

func linkify(s string) []segment {
	var out []segment
	last := 0
	for _, m := range urlRe.FindAllStringIndex(s, -1) {
		out = append(out, segment{Text: s[last:m[0]]}, segment{Text: s[m[0]:m[1]], Link: true})
		last = m[1]
	}
	return append(out, segment{Text: s[last:]})
}

var pageTmpl = template.Must(template.New("page").Funcs(template.FuncMap{"linkify": linkify}).Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Caught mail · Switchboard dev</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:6px;padding:1rem;margin:1rem 0}pre{white-space:pre-wrap}</style></head>
<body><h1>Caught mail</h1>
<p>Mail sent through the development mail catcher at <code>{{.Addr}}</code>, newest first. Point a workspace's SMTP settings at host <code>{{.Host}}</code>, port <code>{{.Port}}</code>, security <code>none</code>.</p>
{{range .Messages}}<article id="m{{.ID}}"><h2>{{.Subject}}</h2>
<p><small>{{.At.Format "2006-01-02 15:04:05 UTC"}} · from {{.From}} · to {{range .To}}{{.}} {{end}}</small></p>
<pre>{{range linkify .Text}}{{if .Link}}<a href="{{.Text}}">{{.Text}}</a>{{else}}{{.Text}}{{end}}{{end}}</pre></article>
{{else}}<p>No mail yet.</p>{{end}}
</body></html>
`))

// ServeHTTP shows the caught mail, newest first, with clickable links.
func (c *Catcher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var msgs []Caught
	if k := c.opts.Keeper; k != nil {
		var err error
		if msgs, err = k.RecentCaughtMail(r.Context(), c.opts.Max); err != nil {
			http.Error(w, "The caught mail could not be read; try again.", http.StatusServiceUnavailable)
			return
		}
	} else {
		msgs = c.Messages()
		slices.Reverse(msgs)
	}
	host, port, _ := net.SplitHostPort(c.Addr())
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	if err := pageTmpl.Execute(w, map[string]any{"Addr": c.Addr(), "Host": host, "Port": port, "Messages": msgs}); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		return
	}
}
