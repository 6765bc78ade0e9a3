package mail

import (
	"context"
	"net"
	"strconv"
)

// HostGuard is the SSRF guard of SMTP hosts, for other outgoing connections to
// tenants' hosts (the voice engine): the same forbidden addresses, the same
// operator flag for private ones.
type HostGuard struct{ g guard }

// NewHostGuard returns a guard; allowPrivate lets loopback and private addresses
// through (--smtp-allow-private, implied by --dev).
func NewHostGuard(allowPrivate bool) *HostGuard {
	return &HostGuard{g: guard{allowPrivate: allowPrivate, resolver: net.DefaultResolver}}
}

// Check reports an error (a forbidden address) for a host that resolves to an
// address tenants may not reach. A host that does not resolve now passes: it is
// checked again at each connection.
func (h *HostGuard) Check(ctx context.Context, host string) error {
	_, err := h.g.resolve(ctx, host)
	if fe, ok := err.(*forbiddenError); ok {
		return fe
	}
	return nil
}

// DialContext connects to one of the host's checked addresses, never re-resolving,
// for http.Transport.DialContext.
func (h *HostGuard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, err
	}
	return h.g.dial(ctx, host, p)
}
