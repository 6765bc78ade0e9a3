// Package mail sends Switchboard's mail through tenants' own SMTP servers: the
// transport (with an SSRF guard), the invitation email, the outbox worker, and the
// development mail catcher. It depends on the domain only; the store is wired in by
// the command line through the Outbox interface.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	sb "github.com/switchboard/switchboard/internal/switchboard"
)

var forbiddenPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",          // "this network", unspecified
		"10.0.0.0/8",         // private
		"100.64.0.0/10",      // shared address space (carrier-grade NAT)
		"127.0.0.0/8",        // loopback
		"169.254.0.0/16",     // link-local, cloud metadata (169.254.169.254)
		"172.16.0.0/12",      // private
		"192.0.0.0/24",       // IETF protocol assignments
		"192.168.0.0/16",     // private
		"198.18.0.0/15",      // benchmarking
		"224.0.0.0/4",        // multicast
		"240.0.0.0/4",        // reserved, broadcast
		"::/128",             // unspecified
		"::1/128",            // loopback
		"64:ff9b::/96",       // NAT64 (embeds IPv4)
		"fc00::/7",           // unique local, incl. fd00:ec2::254 (AWS metadata)
		"fe80::/10",          // link-local
		"ff00::/8",           // multicast
		"2001:db8::/32",      // documentation
		"2002::/16",          // 6to4 (embeds IPv4)
		"100::/64",           // discard
		"fec0::/10",          // site-local (deprecated)
		"::ffff:0:0/96",      // IPv4-mapped, checked after unmapping too
		"2001::/32",          // Teredo (embeds IPv4)
		"192.88.99.0/24",     // 6to4 relay anycast
		"198.51.100.0/24",    // documentation
		"203.0.113.0/24",     // documentation
		"192.0.2.0/24",       // documentation
		"255.255.255.255/32", // broadcast
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Forbidden reports whether a tenant's SMTP host may not be at ip: loopback,
// private, link-local, shared, metadata, unspecified, multicast and other special
// addresses, IPv4, IPv6 and IPv4-mapped IPv6.
func Forbidden(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.WithZone("")
	if ip.Is4In6() {
		return true
	}
	for _, p := range forbiddenPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsUnspecified() || ip.IsInterfaceLocalMulticast()
}

// Resolver looks up a host's addresses; net.DefaultResolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// guard resolves hosts and refuses forbidden addresses unless private ones are allowed.
type guard struct {
	allowPrivate bool
	resolver     Resolver
	log          *slog.Logger
}

// resolve returns the host's addresses, refusing the lot when any is forbidden.
func (g guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if addrs, err = g.resolver.LookupNetIP(ctx, "ip", host); err != nil {
			return nil, err
		}
	}
	if !g.allowPrivate {
		for _, ip := range addrs {
			if Forbidden(ip) {
				return nil, errForbidden(host, ip)
			}
		}
	}
	return addrs, nil
}

type forbiddenError struct {
	host string
	ip   netip.Addr
}

// Error is the tenant's sentence: the host is not allowed. Which internal address
// it resolves to is the operator's to know (Detail, logged), not the tenant's.
func (e *forbiddenError) Error() string {
	return fmt.Sprintf("the host %s is not allowed (it is an internal address)", e.host)
}

// Detail names the address, for the operator's log.
func (e *forbiddenError) Detail() string {
	return fmt.Sprintf("%s resolves to %s, an internal address that workspaces may not use", e.host, e.ip)
}

func errForbidden(host string, ip netip.Addr) error { return &forbiddenError{host: host, ip: ip} }

// CheckHost refuses hosts that resolve to forbidden addresses. A host that does not
// resolve now is accepted: it is checked again at each connection.
func (g guard) CheckHost(ctx context.Context, host string) error {
	_, err := g.resolve(ctx, host)
	if fe, ok := err.(*forbiddenError); ok {
		g.log.Warn("SMTP host refused", "detail", fe.Detail())
		msg := "The mail server's host " + fe.host + " is not allowed; use a public mail server."
		return &sb.Error{Code: sb.ECodeValidation, Message: msg, Fields: []sb.FieldError{{Location: "body.host", Message: msg}}}
	}
	return nil
}

// dial connects to one of the host's checked addresses (never re-resolving, so a
// DNS answer cannot change between the check and the connection).
func (g guard) dial(ctx context.Context, host string, port int) (net.Conn, error) {
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	var last error
	for _, ip := range addrs {
		c, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(ip, uint16(port)).String())
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}
