//! Where a webhook may point: https (http only to a loopback receiver), and never into the
//! server's own networks unless the operator allows it. Checked when a subscription is written
//! and again at every connection, on the addresses the name resolves to then (a name that
//! resolved to a public address yesterday may resolve to 10.0.0.5 today).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use url::{Host, Url};

/// Addresses no subscriber may make the server call unless the operator allows private
/// targets: loopback, private, link-local, shared, unspecified, multicast, documentation and
/// the unique-local IPv6 range.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || (a == 100 && (64..128).contains(&b))
                || a == 0
                || a >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

fn is_loopback_host(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Why `raw` may not be a webhook's URL, if it may not: `(code, message)`. Resolves the host
/// (blocking) to check its addresses.
pub fn refuse(raw: &str, allow_private: bool) -> Option<(&'static str, String)> {
    let url = match Url::parse(raw.trim()) {
        Ok(u) => u,
        Err(_) => return Some(("url", "must be an absolute https URL".into())),
    };
    let Some(host) = url.host() else {
        return Some(("url", "must name a host".into()));
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Some((
            "url",
            "must not carry credentials: receivers check the signature instead".into(),
        ));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&host) => {}
        _ => {
            return Some((
                "insecure",
                "must be https (http only to a receiver on this machine)".into(),
            ))
        }
    }
    if allow_private {
        return None;
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = match host {
        Host::Ipv4(ip) => vec![SocketAddr::new(IpAddr::V4(ip), port)],
        Host::Ipv6(ip) => vec![SocketAddr::new(IpAddr::V6(ip), port)],
        Host::Domain(d) => match (d, port).to_socket_addrs() {
            Ok(a) => a.collect(),
            Err(_) => return Some(("unresolvable", format!("the host '{d}' does not resolve"))),
        },
    };
    if addrs.iter().any(|a| is_private(a.ip())) {
        return Some((
            "private_address",
            "points at a loopback or private address; the operator may allow such receivers \
             with MECIGEP_WEBHOOK_ALLOW_PRIVATE"
                .into(),
        ));
    }
    None
}

/// The deliveries' name resolution: the system's, with private addresses removed unless
/// allowed (a name resolving only to them fails to connect).
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = self.allow_private;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::task::spawn_blocking(move || {
                (host.as_str(), 0)
                    .to_socket_addrs()
                    .map(|a| a.collect::<Vec<_>>())
            })
            .await
            .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })??;
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow || !is_private(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err("the receiver's name resolves to no address it may use".into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(addrs)
        })
    }
}

/// The HTTP client deliveries use: no redirects, bounded time, names resolved by
/// [`GuardedResolver`]. A URL with a literal address is checked by [`refuse`] before sending.
pub fn client(allow_private: bool) -> reqwest::Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(15))
        .user_agent(concat!("MECIGEP-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(Arc::new(GuardedResolver { allow_private }))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:9/x",
            "https://10.1.2.3/x",
            "https://192.168.0.1/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
        ] {
            assert_eq!(
                refuse(url, false).map(|r| r.0),
                Some("private_address"),
                "{url}"
            );
            assert_eq!(refuse(url, true), None, "{url}");
        }
        assert_eq!(
            refuse("http://93.184.215.14/", false).map(|r| r.0),
            Some("insecure")
        );
        assert_eq!(
            refuse("ftp://example.org/", true).map(|r| r.0),
            Some("insecure")
        );
        assert_eq!(refuse("not a url", true).map(|r| r.0), Some("url"));
        assert_eq!(
            refuse("https://u:p@93.184.215.14/", true).map(|r| r.0),
            Some("url")
        );
        assert_eq!(refuse("https://93.184.215.14/hook", false), None);
        assert!(!is_private("93.184.215.14".parse().unwrap()));
        assert!(is_private("::ffff:10.0.0.1".parse().unwrap()));
    }
}
