package mail

import (
	"context"
	"net"
	"strconv"
)

// GuardedDialer returns a DialContext that connects only to addresses the SSRF
// guard allows (all of them with allowPrivate), resolving the host once and
// dialling the checked address, so DNS cannot change between check and connection.
// Webhook deliveries use it.
func GuardedDialer(allowPrivate bool, resolver Resolver) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	g := guard{allowPrivate: allowPrivate, resolver: resolver}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, portText, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		port, err := strconv.Atoi(portText)
		if err != nil || port <= 0 || port > 65535 {
			return nil, &net.AddrError{Err: "bad port", Addr: addr}
		}
		return g.dial(ctx, host, port)
	}
}
