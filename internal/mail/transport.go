package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"regexp"
	"strings"
	"syscall"
	"time"

	gomail "github.com/wneessen/go-mail"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// Transport sends mail with go-mail, connecting only to addresses the guard allows.
// It implements switchboard.MailTransport.
type Transport struct {
	g       guard
	timeout time.Duration
	// tlsConfig, when set, is the base TLS configuration (tests trust their own CA).
	tlsConfig *tls.Config
}

// TransportConfig configures a Transport.
type TransportConfig struct {
	// AllowPrivate lets tenants use loopback and private addresses (serve
	// --smtp-allow-private or --dev).
	AllowPrivate bool
	// Timeout bounds each connection; default 30s.
	Timeout time.Duration
	// Resolver defaults to net.DefaultResolver.
	Resolver Resolver
	// TLSConfig is cloned for each connection; ServerName is set to the host.
	TLSConfig *tls.Config
	// Logger gets what the tenant is not told (internal addresses, resolvers).
	Logger *slog.Logger
}

// NewTransport returns a Transport.
func NewTransport(cfg TransportConfig) *Transport {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Transport{g: guard{allowPrivate: cfg.AllowPrivate, resolver: cfg.Resolver, log: cfg.Logger}, timeout: cfg.Timeout, tlsConfig: cfg.TLSConfig}
}

// CheckHost refuses hosts that resolve to internal addresses.
func (t *Transport) CheckHost(ctx context.Context, host string) error {
	return t.g.CheckHost(ctx, host)
}

// headerSafe turns control characters (CR and LF above all) into spaces, so that no
// name can add a header.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func (t *Transport) tlsFor(host string) *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.tlsConfig != nil {
		c = t.tlsConfig.Clone()
	}
	c.ServerName = host
	return c
}

// Send hands one message to the server. Failures are *switchboard.DeliveryError,
// temporary (no connection, timeouts, 4xx) or permanent (5xx, authentication,
// refused addresses).
func (t *Transport) Send(ctx context.Context, s sb.SMTPServer, m sb.Email) error {
	if strings.ContainsAny(s.FromName+s.FromEmail+m.To, "\r\n") {
		return &sb.DeliveryError{Reply: "refused: a name or address holds a line break"}
	}
	msg := gomail.NewMsg()
	if err := msg.FromFormat(headerSafe(s.FromName), s.FromEmail); err != nil {
		return &sb.DeliveryError{Reply: "invalid sender address: " + err.Error()}
	}
	if err := msg.To(m.To); err != nil {
		return &sb.DeliveryError{Reply: "invalid recipient address: " + err.Error()}
	}
	msg.Subject(headerSafe(m.Subject))
	if m.MessageID != "" && !strings.ContainsAny(m.MessageID, "\r\n<>") {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	msg.SetDate()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}

	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		c, err := t.g.dial(ctx, s.Host, s.Port)
		if err != nil || s.Security != sb.SecurityTLS {
			return c, err
		}
		tc := tls.Client(c, t.tlsFor(s.Host))
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return tc, nil
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(t.timeout), gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(t.tlsFor(s.Host))}
	switch s.Security {
	case sb.SecurityTLS:
		opts = append(opts, gomail.WithSSL())
	case sb.SecurityStartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case securityOpportunistic:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Username != "" {
		auth := gomail.SMTPAuthPlain
		if s.Security == sb.SecurityNone {
			auth = gomail.SMTPAuthPlainNoEnc // the admin chose an unencrypted server
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	} else {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return &sb.DeliveryError{Reply: err.Error()}
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		de := classify(err)
		detail := err.Error()
		var fe *forbiddenError
		if errors.As(err, &fe) {
			detail = fe.Detail()
		}
		if de.Reply != detail {
			t.g.log.Warn("mail delivery failed", "host", s.Host, "port", s.Port, "detail", detail, "tenant_sees", de.Reply)
		}
		return de
	}
	return nil
}

var replyRe = regexp.MustCompile(`\b[245]\d\d[ -][^,]*`)

// classify sorts a failure into temporary and permanent, keeping the server's reply.
func classify(err error) *sb.DeliveryError {
	var fe *forbiddenError
	if errors.As(err, &fe) {
		return &sb.DeliveryError{Reply: "refused: " + fe.Error()}
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return &sb.DeliveryError{Temporary: te.Code < 500, Reply: te.Error()}
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		reply := se.Error()
		if m := replyRe.FindString(reply); m != "" {
			reply = strings.TrimSpace(m)
		}
		code := se.ErrorCode()
		temp := se.IsTemp()
		if code >= 500 {
			temp = false
		} else if code >= 400 {
			temp = true
		}
		return &sb.DeliveryError{Temporary: temp, Reply: reply}
	}
	// Network failures are told without addresses or resolvers (the detail is
	// logged): an internal name must not be mapped through the error messages.
	var ne net.Error
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		return &sb.DeliveryError{Temporary: true, Reply: "the mail server's host name could not be resolved (" + dnsErr.Name + ")"}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &sb.DeliveryError{Temporary: true, Reply: "could not connect to the mail server: connection refused"}
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &sb.DeliveryError{Temporary: true, Reply: "the mail server closed the connection"}
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return &sb.DeliveryError{Temporary: true, Reply: "could not reach the mail server: the connection failed or timed out"}
	}
	return &sb.DeliveryError{Reply: err.Error()}
}
