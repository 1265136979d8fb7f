//! IP networks in CIDR notation, for the `trusted_proxies` setting: only a hop from one of these
//! may speak for the client's address, so a list that is wider than meant trusts strangers.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IP network such as `10.0.0.0/8` or `::1/128`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a text is not an IP network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IpNetError {
    /// The part before the `/` is not an IP address.
    #[error("{0:?} is not an IP address")]
    Addr(String),
    /// The prefix length is not a number or too long for the address family.
    #[error("the prefix length {0:?} is not a number from 0 to {1}")]
    Prefix(String, u8),
}

impl IpNet {
    /// The network `addr/prefix`; the prefix is at most 32 (IPv4) or 128 (IPv6).
    pub fn new(addr: IpAddr, prefix: u8) -> Result<IpNet, IpNetError> {
        if prefix > max_prefix(addr) {
            return Err(IpNetError::Prefix(prefix.to_string(), max_prefix(addr)));
        }
        Ok(IpNet { addr, prefix })
    }

    /// The address as written (host bits are ignored by [`IpNet::contains`]).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The number of leading bits that name the network.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in this network. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, as a
    /// dual-stack socket reports an IPv4 peer) counts as its IPv4 address, and the other way round.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                same_bits(net.to_bits(), ip.to_bits(), self.prefix)
            }
            (IpAddr::V4(net), IpAddr::V6(ip)) => ip
                .to_ipv4_mapped()
                .is_some_and(|ip| same_bits(net.to_bits(), ip.to_bits(), self.prefix)),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                same_bits128(net.to_bits(), ip.to_bits(), self.prefix)
            }
            (IpAddr::V6(net), IpAddr::V4(ip)) => {
                same_bits128(net.to_bits(), ip.to_ipv6_mapped().to_bits(), self.prefix)
            }
        }
    }
}

fn max_prefix(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

fn same_bits(a: u32, b: u32, prefix: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
    a & mask == b & mask
}

fn same_bits128(a: u128, b: u128, prefix: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
    a & mask == b & mask
}

impl FromStr for IpNet {
    type Err = IpNetError;

    /// `ADDR/PREFIX`, or a bare address for just that address (`/32` or `/128`).
    fn from_str(s: &str) -> Result<IpNet, IpNetError> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| IpNetError::Addr(addr.to_owned()))?;
        let max = max_prefix(addr);
        let prefix = match prefix {
            None => max,
            // Digits only: `u8::from_str` would also take `+8`.
            Some(p) if !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) => p
                .parse()
                .map_err(|_| IpNetError::Prefix(p.to_owned(), max))?,
            Some(p) => return Err(IpNetError::Prefix(p.to_owned(), max)),
        };
        IpNet::new(addr, prefix)
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl TryFrom<String> for IpNet {
    type Error = IpNetError;

    fn try_from(s: String) -> Result<IpNet, IpNetError> {
        s.parse()
    }
}

impl<'de> serde::Deserialize<'de> for IpNet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IpNet, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for IpNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_network_contains_its_addresses_and_no_others() {
        let n = net("10.0.0.0/8");
        assert!(n.contains(ip("10.0.0.1")));
        assert!(n.contains(ip("10.255.255.255")));
        assert!(!n.contains(ip("11.0.0.0")));
        assert!(!n.contains(ip("9.255.255.255")));
        let n = net("192.168.1.0/24");
        assert!(n.contains(ip("192.168.1.77")));
        assert!(!n.contains(ip("192.168.2.1")));
        let n = net("fd00::/8");
        assert!(n.contains(ip("fd12:3456::1")));
        assert!(!n.contains(ip("fe80::1")));
    }

    #[test]
    fn a_bare_address_is_just_that_address() {
        let n = net("10.1.2.3");
        assert_eq!(n.prefix(), 32);
        assert!(n.contains(ip("10.1.2.3")));
        assert!(!n.contains(ip("10.1.2.4")));
        let n = net("::1");
        assert_eq!(n, net("::1/128"));
        assert!(n.contains(ip("::1")));
        assert!(!n.contains(ip("::2")));
    }

    #[test]
    fn prefix_zero_is_every_address_of_the_family() {
        assert!(net("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(net("::/0").contains(ip("2001:db8::1")));
        // `::/0` holds the IPv4-mapped range too, so every IPv4 peer as well.
        assert!(net("::/0").contains(ip("203.0.113.9")));
    }

    #[test]
    fn ipv4_mapped_addresses_match_ipv4_networks_and_back() {
        assert!(net("10.0.0.0/8").contains(ip("::ffff:10.9.8.7")));
        assert!(!net("10.0.0.0/8").contains(ip("::ffff:11.9.8.7")));
        // Not mapped: an IPv6 address is never in an IPv4 network.
        assert!(!net("10.0.0.0/8").contains(ip("::10.9.8.7")));
        assert!(net("::ffff:10.0.0.0/104").contains(ip("10.9.8.7")));
        assert!(!net("::ffff:10.0.0.0/104").contains(ip("11.9.8.7")));
    }

    #[test]
    fn host_bits_in_the_network_are_ignored() {
        assert!(net("10.1.2.3/8").contains(ip("10.200.0.1")));
    }

    #[test]
    fn nonsense_is_refused_with_the_reason() {
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/8/8",
            "10.0.0.0 /8",
            "host.example/32",
            "[::1]/128",
            "10.0.0.0/-1",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad:?}");
        }
        assert_eq!(
            "10.0.0.0/33".parse::<IpNet>().unwrap_err().to_string(),
            "the prefix length \"33\" is not a number from 0 to 32"
        );
    }

    #[test]
    fn shown_as_written() {
        assert_eq!(net("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(net("::1").to_string(), "::1/128");
    }
}
