package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/netip"
	"strconv"
	"testing"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

// testCert makes a self-signed certificate for mail.test and a pool trusting it.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"}, DNSNames: []string{"mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestSendOverTLSAndSTARTTLS(t *testing.T) {
	cert, pool := testCert(t)
	for _, security := range []string{sb.SecurityTLS, sb.SecurityStartTLS} {
		t.Run(security, func(t *testing.T) {
			c, err := StartCatcher("127.0.0.1:0", CatcherOptions{Username: "u", Password: "p",
				TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ImplicitTLS: security == sb.SecurityTLS})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, port, _ := net.SplitHostPort(c.Addr())
			p, _ := strconv.Atoi(port)
			tr := NewTransport(TransportConfig{AllowPrivate: true, TLSConfig: &tls.Config{RootCAs: pool},
				Resolver: fakeResolver{netip.MustParseAddr("127.0.0.1")}})
			server := sb.SMTPServer{Host: "mail.test", Port: p, Username: "u", Password: "p", FromEmail: "a@example.com", Security: security}
			if err := tr.Send(context.Background(), server, sb.Email{To: "b@example.com", Subject: "hi", Text: "hello"}); err != nil {
				t.Fatal(err)
			}
			if len(c.Messages()) != 1 {
				t.Fatal("not received")
			}
			// An untrusted certificate is refused.
			strict := NewTransport(TransportConfig{AllowPrivate: true, Resolver: fakeResolver{netip.MustParseAddr("127.0.0.1")}})
			if err := strict.Send(context.Background(), server, sb.Email{To: "b@example.com", Subject: "hi", Text: "hello"}); err == nil {
				t.Fatal("sent to a server with an untrusted certificate")
			}
		})
	}
}
