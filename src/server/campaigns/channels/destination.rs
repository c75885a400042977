//! Where a webhook may be sent: only to addresses on the public internet. A URL is checked when
//! it is saved, and again on every send by the HTTP client's own resolver, which resolves the
//! host, refuses it if any address is not public, and hands the client exactly the addresses it
//! checked (so DNS cannot answer one thing to the check and another to the connection).
//! `ENRICH_WEBHOOK_ALLOW_PRIVATE=true` lifts the rule for development and tests.
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// Why a destination cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not an `http://` or `https://` URL with a host.
    NotHttp,
    /// The host did not resolve.
    Unresolvable,
    /// It is, or resolves to, a loopback, private, link-local, metadata or other reserved address.
    NotPublic,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refused::NotHttp => "must be an http:// or https:// address",
            Refused::Unresolvable => "could not be resolved",
            Refused::NotPublic => {
                "must be a public address: it points at a loopback, private, link-local or \
                 metadata address"
            }
        })
    }
}

impl std::error::Error for Refused {}

/// Whether `ip` is on the public internet (not loopback, private, unique-local, link-local
/// (which holds the cloud metadata service), unspecified, broadcast, multicast, shared (CGNAT),
/// documentation, benchmarking or otherwise reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let reserved = a == 0                       // "this network"
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0)       // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))   // benchmarking
        || a >= 240; // reserved, and broadcast
    !(reserved
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_documentation()
        || ip.is_multicast())
}

fn public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., hi, lo] = s;
        return public_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo)));
    }
    let reserved = s[..6] == [0; 6]             // unspecified, loopback, IPv4-compatible
        || (s[0] & 0xfe00) == 0xfc00            // unique local (fd00:ec2::254 among them)
        || (s[0] & 0xffc0) == 0xfe80            // link-local
        || (s[0] & 0xffc0) == 0xfec0            // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00            // multicast
        || s[..4] == [0x100, 0, 0, 0]           // discard-only
        || (s[0] == 0x2001 && s[1] < 0x200)     // IETF protocol assignments, Teredo
        || (s[0] == 0x2001 && s[1] == 0xdb8)    // documentation
        || s[0] == 0x2002; // 6to4: reaches an IPv4 address of its own choosing
    !reserved
}

/// Checks a webhook URL: an http(s) URL whose host is, or resolves only to, public addresses.
pub async fn check(url: &str, allow_private: bool) -> Result<(), Refused> {
    let url = Url::parse(url).map_err(|_| Refused::NotHttp)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::NotHttp);
    }
    match url.host().ok_or(Refused::NotHttp)? {
        Host::Ipv4(ip) => allowed(IpAddr::V4(ip), allow_private),
        Host::Ipv6(ip) => allowed(IpAddr::V6(ip), allow_private),
        Host::Domain(_) if allow_private => Ok(()),
        Host::Domain(name) => resolve(name, false).await.map(|_| ()),
    }
}

/// The literal address in `url`'s host, checked (a client does not resolve those).
pub fn check_literal(url: &Url, allow_private: bool) -> Result<(), Refused> {
    match url.host() {
        Some(Host::Ipv4(ip)) => allowed(IpAddr::V4(ip), allow_private),
        Some(Host::Ipv6(ip)) => allowed(IpAddr::V6(ip), allow_private),
        Some(Host::Domain(_)) => Ok(()),
        None => Err(Refused::NotHttp),
    }
}

fn allowed(ip: IpAddr, allow_private: bool) -> Result<(), Refused> {
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err(Refused::NotPublic)
    }
}

/// Every address `host` resolves to, provided each one is allowed.
async fn resolve(host: &str, allow_private: bool) -> Result<Vec<SocketAddr>, Refused> {
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|_| Refused::Unresolvable)?
        .collect();
    if found.is_empty() {
        return Err(Refused::Unresolvable);
    }
    for address in &found {
        allowed(address.ip(), allow_private)?;
    }
    Ok(found)
}

/// The webhook client's resolver: only allowed addresses ever reach a connection.
#[derive(Debug, Clone, Copy)]
pub struct PublicOnly {
    /// `ENRICH_WEBHOOK_ALLOW_PRIVATE`.
    pub allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found = resolve(name.as_str(), allow_private).await?;
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_pass() {
        let refused = [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "255.255.255.255",
            "100.64.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "224.0.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "ff02::1",
            "::127.0.0.1",
        ];
        for ip in refused {
            assert!(!is_public(ip.parse().unwrap()), "{ip} passed");
        }
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} refused");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_after_resolution() {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://[::1]/hook",
            "http://0x7f.1/hook",
            "http://localhost:8080/hook",
            "https://169.254.169.254/latest/meta-data",
            "http://[fd00:ec2::254]/",
        ] {
            assert_eq!(check(url, false).await, Err(Refused::NotPublic), "{url}");
        }
        assert_eq!(
            check("ftp://example.com/", false).await,
            Err(Refused::NotHttp)
        );
        assert_eq!(check("http://127.0.0.1:9/hook", true).await, Ok(()));
    }
}
