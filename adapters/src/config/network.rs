//! How people and proxies reach the server: the public URL (whose scheme decides whether
//! cookies are `Secure` with the `__Host-` prefix and HSTS is sent, S17, S23) and the proxies
//! whose `X-Forwarded-For` / `X-Forwarded-Proto` headers are believed (S14).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use super::ConfigError;

const PUBLIC_URL: &str = "GATEHOUSE_PUBLIC_URL";
const TRUSTED_PROXIES: &str = "GATEHOUSE_TRUSTED_PROXIES";

/// The URL people type to reach the panel: always the root of a site, ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl {
    url: reqwest::Url,
    explicit: bool,
}

impl PublicUrl {
    /// Parses `GATEHOUSE_PUBLIC_URL`: `http` or `https`, a host, an optional port, no path
    /// (cookies are scoped to `/`), query, fragment or credentials.
    pub fn parse(text: &str) -> Result<PublicUrl, ConfigError> {
        let err = |why: &str| {
            ConfigError::new(
                PUBLIC_URL,
                format!("{text:?} {why} (give the site's root, like https://panel.example)"),
            )
        };
        let url = reqwest::Url::parse(text).map_err(|_| err("is not a URL"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(err("must start with http:// or https://"));
        }
        if url.host().is_none() {
            return Err(err("has no host name"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(err("must not contain a user name or password"));
        }
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            return Err(err("must not have a path, query or fragment"));
        }
        Ok(PublicUrl { url, explicit: true })
    }

    /// The default when `GATEHOUSE_PUBLIC_URL` is unset: plain `http` to the bind address, with
    /// `localhost` for an address that listens on every interface.
    pub fn from_bind(bind: SocketAddr) -> PublicUrl {
        let host = match bind.ip() {
            ip if ip.is_unspecified() => "localhost".to_owned(),
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        let text = format!("http://{host}:{}/", bind.port());
        let url = reqwest::Url::parse(&text)
            .unwrap_or_else(|_| unreachable!("a socket address always makes a valid URL: {text}"));
        PublicUrl { url, explicit: false }
    }

    /// The URL, ending in `/`; join relative paths to it.
    pub fn url(&self) -> &reqwest::Url {
        &self.url
    }

    /// Whether people reach the server over TLS (directly or through a TLS proxy).
    pub fn is_secure(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// Whether it was configured rather than derived from the bind address.
    pub fn is_explicit(&self) -> bool {
        self.explicit
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

/// The reverse proxies whose forwarding headers are believed; empty by default, so a client
/// cannot pick its own address by sending `X-Forwarded-For` (S14).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses a comma-separated list of IP addresses and CIDR ranges (`10.0.0.0/8`,
    /// `192.0.2.7`, `fd00::/8`); blanks between commas are ignored.
    pub fn parse(text: &str) -> Result<TrustedProxies, ConfigError> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(|item| {
                item.parse::<IpNet>()
                    .map(|net| net.trunc())
                    .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                    .map(canonical_net)
                    .map_err(|_| {
                        ConfigError::new(
                            TRUSTED_PROXIES,
                            format!(
                                "{item:?} is not an IP address or CIDR range like 10.0.0.0/8 or 192.0.2.7"
                            ),
                        )
                    })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    /// Whether a connection from `ip` comes from a trusted proxy. IPv4 addresses written as
    /// IPv6 (`::ffff:10.0.0.1`, as dual-stack sockets report them) count as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The configured ranges.
    pub fn ranges(&self) -> &[IpNet] {
        &self.0
    }
}

/// An IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) as the IPv4 range it means.
fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).unwrap_or(net),
            None => net,
        },
        other => other,
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        let items: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&items.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn public_urls_are_site_roots() {
        let u = PublicUrl::parse("https://panel.example").expect("valid");
        assert_eq!(u.url().as_str(), "https://panel.example/");
        assert!(u.is_secure() && u.is_explicit());
        let u = PublicUrl::parse("http://10.0.0.5:8000/").expect("valid");
        assert!(!u.is_secure());
        for bad in [
            "panel.example",
            "ftp://panel.example",
            "https://panel.example/gatehouse",
            "https://panel.example/?x=1",
            "https://user:pw@panel.example",
            "https://",
        ] {
            let err = PublicUrl::parse(bad).expect_err(bad);
            assert_eq!(err.variable, "GATEHOUSE_PUBLIC_URL");
            assert!(!err.message.contains("pw@") || bad.contains("pw@"), "{err}");
        }
    }

    #[test]
    fn the_default_public_url_follows_the_bind_address() {
        let u = PublicUrl::from_bind("127.0.0.1:8000".parse().expect("addr"));
        assert_eq!(
            (u.url().as_str(), u.is_secure(), u.is_explicit()),
            ("http://127.0.0.1:8000/", false, false)
        );
        let u = PublicUrl::from_bind("0.0.0.0:9000".parse().expect("addr"));
        assert_eq!(u.url().as_str(), "http://localhost:9000/");
        let u = PublicUrl::from_bind("[::1]:8000".parse().expect("addr"));
        assert_eq!(u.url().as_str(), "http://[::1]:8000/");
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges() {
        let p = TrustedProxies::parse(" 10.0.0.0/8, 192.0.2.7 ,fd00::/8,, ").expect("valid");
        assert_eq!(p.ranges().len(), 3);
        assert!(p.contains(ip("10.1.2.3")));
        assert!(p.contains(ip("192.0.2.7")));
        assert!(!p.contains(ip("192.0.2.8")));
        assert!(p.contains(ip("fd12::1")));
        assert!(!p.contains(ip("2001:db8::1")));
        assert!(p.contains(ip("::ffff:10.9.9.9")), "IPv4-mapped addresses count as IPv4");
        assert_eq!(p.to_string(), "10.0.0.0/8, 192.0.2.7/32, fd00::/8");
        let host_bits = TrustedProxies::parse("10.1.2.3/8").expect("valid");
        assert_eq!(host_bits.to_string(), "10.0.0.0/8", "host bits are dropped");
        let mapped = TrustedProxies::parse("::ffff:10.0.0.0/104").expect("valid");
        assert!(mapped.contains(ip("10.200.0.1")));
    }

    #[test]
    fn no_proxy_is_trusted_by_default_and_bad_entries_are_named() {
        let none = TrustedProxies::default();
        assert!(none.is_empty() && !none.contains(ip("127.0.0.1")));
        assert!(TrustedProxies::parse(" , ").expect("blank").is_empty());
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0", "10.0.0.1, nope"] {
            let err = TrustedProxies::parse(bad).expect_err(bad);
            assert_eq!(err.variable, "GATEHOUSE_TRUSTED_PROXIES");
        }
        let err = TrustedProxies::parse("10.0.0.1, nope").expect_err("bad");
        assert!(err.message.starts_with("\"nope\""), "{err}");
    }
}
