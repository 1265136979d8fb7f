//! Who the client is, for rate limits and logs: the direct peer, unless the peer is one of the
//! configured trusted proxies (an ingress, a load balancer). Only then is `Forwarded` (RFC 7239)
//! or `X-Forwarded-For` read, from the right: each trusted proxy appended the address it was
//! reached from, so the rightmost address that is not a trusted proxy is the client. Everything
//! to the left of it was written by the client itself and is never believed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

/// The client's address as worked out by [`layer`]; absent when the server runs without connect
/// info (an in-process router).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Whether an address is a trusted proxy.
pub type Trusted = Arc<dyn Fn(IpAddr) -> bool + Send + Sync>;

/// Sets [`ClientIp`] on every request.
pub async fn layer(State(trusted): State<Trusted>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let ip = client_ip(peer, req.headers(), &*trusted);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

/// The client behind `peer`; see the module documentation.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &dyn Fn(IpAddr) -> bool) -> IpAddr {
    let peer = canonical(peer);
    if !trusted(peer) {
        return peer;
    }
    let hops = forwarded_for(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        // An entry that is no address (`unknown`, an obfuscated name, garbage) ends the chain:
        // the last address known stands for the client.
        let Some(ip) = hop else {
            break;
        };
        client = canonical(*ip);
        if !trusted(client) {
            break;
        }
    }
    client
}

/// An IPv4 address reached over IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The `for` addresses of `Forwarded`, or else of `X-Forwarded-For`, left to right over every
/// instance of the header; `None` for an entry that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_node(v))
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .flat_map(|v| v.split(','))
        .map(parse_node)
        .collect()
}

/// One node: `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(v: &str) -> Option<IpAddr> {
    let v = v.trim().trim_matches('"').trim();
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    if let Ok(ip) = v.parse() {
        return Some(ip);
    }
    // IPv4 with a port.
    let (host, port) = v.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// 10.0.0.0/8 and ::1 are the proxies.
    fn proxies(a: IpAddr) -> bool {
        match a {
            IpAddr::V4(v4) => v4.octets()[0] == 10,
            IpAddr::V6(v6) => v6.is_loopback(),
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let h = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            client_ip(ip("198.51.100.7"), &h, &proxies),
            ip("198.51.100.7")
        );
        let h = headers(&[("forwarded", "for=203.0.113.9")]);
        assert_eq!(
            client_ip(ip("198.51.100.7"), &h, &proxies),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        // The client forged the first entry; the ingress appended the real one.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.7, 10.1.1.1")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("198.51.100.7"));
        // Two header lines count as one list.
        let h = headers(&[
            ("x-forwarded-for", "1.2.3.4"),
            ("x-forwarded-for", "198.51.100.7:5123"),
        ]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("198.51.100.7"));
        // Every hop a proxy: the leftmost stands for the client.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.2"), &HeaderMap::new(), &proxies),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn forwarded_is_read_before_x_forwarded_for() {
        let h = headers(&[
            (
                "forwarded",
                "for=192.0.2.43, for=\"[2001:db8:cafe::17]:4711\";proto=https, For=10.3.3.3",
            ),
            ("x-forwarded-for", "203.0.113.1"),
        ]);
        assert_eq!(client_ip(ip("::1"), &h, &proxies), ip("2001:db8:cafe::17"));
    }

    #[test]
    fn junk_ends_the_chain_at_the_last_known_address() {
        let h = headers(&[("x-forwarded-for", "198.51.100.7, nonsense, 10.1.1.1")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("10.1.1.1"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_ip(ip("10.0.0.2"), &h, &proxies), ip("10.0.0.2"));
    }

    #[test]
    fn ipv4_mapped_peers_are_ipv4() {
        let h = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.2"), &h, &proxies),
            ip("198.51.100.7")
        );
    }
}
