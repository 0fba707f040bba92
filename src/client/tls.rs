//! The client's side of TLS: which addresses mean TLS, and how a server's
//! certificate is trusted: CA-signed ones as usual (Mozilla's roots), and
//! self-signed ones on first use, pinned by SHA-256 per `host:port`.
//!
//! Trust contract:
//! 1. A certificate that verifies against the roots is accepted; no pin is
//!    consulted or kept.
//! 2. One that fails only because its issuer is unknown (self-signed) is
//!    judged by [`decide`] against the pin for `host:port`: none yet, it is
//!    accepted and remembered once the handshake succeeds; the same, it is
//!    accepted; a different one is refused, never replaced silently.
//! 3. Any other failure (expired, wrong name on a CA-signed one) is refused.
//!
//! The decision is a pure function; the pin file is read before the
//! handshake and written after it, by the worker, not by the verifier.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::tr;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

use super::files::{read_small, write_whole, ReadError};
pub use crate::server::tls::fingerprint;

/// The usual port for IRC over TLS.
pub const TLS_PORT: u16 = 6697;
/// The usual port for plain IRC.
pub const PLAIN_PORT: u16 = 6667;
/// Overrides where pins are kept (for tests and portable installs).
pub const PINS_ENV: &str = "BANTER_KNOWN_SERVERS";
/// Largest pin file read; a line is about 120 bytes.
const MAX_PIN_FILE: u64 = 1 << 20;

/// Where to connect, and whether with TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// A DNS name or an IP address (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    pub tls: bool,
}

impl Target {
    /// `host:port` as `to_socket_addrs` and the pin file want it.
    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The key pins are kept under: `host:port`, the host in lower case.
    pub fn pin_key(&self) -> String {
        self.host_port().to_ascii_lowercase()
    }
}

/// Reads a server address: `ircs://host[:port]` is TLS (port 6697 by
/// default), `irc://host[:port]` and a bare `host[:port]` are plain (6667).
/// IPv6 addresses go in brackets when a port follows: `[::1]:6697`.
/// Anything after a `/` (a channel in an IRC URL) is ignored.
pub fn parse_target(addr: &str) -> Result<Target, String> {
    let addr = addr.trim();
    let lower = addr.to_ascii_lowercase();
    let (rest, tls) = if lower.starts_with("ircs://") {
        (&addr["ircs://".len()..], true)
    } else if lower.starts_with("irc://") {
        (&addr["irc://".len()..], false)
    } else if lower.contains("://") {
        return Err(tr::ADDRESS_SCHEME.fill(&[("address", &addr)]));
    } else {
        (addr, false)
    };
    let rest = rest.split('/').next().unwrap_or_default();
    let default_port = if tls { TLS_PORT } else { PLAIN_PORT };
    let bad_port = || tr::ADDRESS_BAD_PORT.fill(&[("address", &addr)]);
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or_else(|| tr::ADDRESS_NO_BRACKET.fill(&[("address", &addr)]))?;
        let port = match after {
            "" => default_port,
            p => p
                .strip_prefix(':')
                .and_then(|p| p.parse().ok())
                .ok_or_else(bad_port)?,
        };
        (host, port)
    } else if rest.matches(':').count() > 1 {
        // A bare IPv6 address: every colon is its own.
        (rest, default_port)
    } else if let Some((host, port)) = rest.split_once(':') {
        (host, port.parse().map_err(|_| bad_port())?)
    } else {
        (rest, default_port)
    };
    if host.is_empty() {
        return Err(tr::ADDRESS_NO_HOST.fill(&[("address", &addr)]));
    }
    if port == 0 {
        return Err(bad_port());
    }
    Ok(Target {
        host: host.to_owned(),
        port,
        tls,
    })
}

/// What to do with a self-signed certificate (contract 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinDecision {
    /// The same certificate as last time.
    Trusted,
    /// Never seen this server: accept and remember.
    New,
    /// Not the certificate remembered for this server: refuse.
    Changed { pinned: String },
}

/// Contract 2's rule: the pin (if any) against the presented fingerprint.
pub fn decide(pinned: Option<&str>, presented: &str) -> PinDecision {
    match pinned {
        None => PinDecision::New,
        Some(p) if p.eq_ignore_ascii_case(presented) => PinDecision::Trusted,
        Some(p) => PinDecision::Changed {
            pinned: p.to_owned(),
        },
    }
}

/// How the certificate of the last handshake was judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Verified against the CA roots.
    CaSigned,
    /// Self-signed and matching its pin.
    Pinned,
    /// Self-signed, first seen: to be remembered once the handshake succeeds.
    New { fingerprint: String },
    /// Self-signed and not the one pinned: refused.
    Changed { pinned: String, presented: String },
}

/// The refusal of a changed certificate, in words for the person connecting.
pub fn changed_message(key: &str, pinned: &str, presented: &str, pins: &Path) -> String {
    tr::CERT_CHANGED.fill(&[
        ("server", &key),
        ("presented", &presented),
        ("pinned", &pinned),
        ("file", &pins.display()),
    ])
}

/// Webpki first (contract 1), then the pin (contract 2). Holds the pin read
/// before the handshake and records its [`Verdict`] for the worker.
#[derive(Debug)]
pub struct TofuVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    pinned: Option<String>,
    verdict: Mutex<Option<Verdict>>,
}

impl TofuVerifier {
    /// The verdict on the last certificate seen, if any.
    pub fn verdict(&self) -> Option<Verdict> {
        self.verdict.lock().ok().and_then(|v| v.clone())
    }

    fn record(&self, verdict: Verdict) {
        if let Ok(mut v) = self.verdict.lock() {
            *v = Some(verdict);
        }
    }
}

impl ServerCertVerifier for TofuVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(ok) => {
                self.record(Verdict::CaSigned);
                return Ok(ok);
            }
            Err(rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer)) => {}
            Err(e) => return Err(e),
        }
        let presented = fingerprint(end_entity);
        match decide(self.pinned.as_deref(), &presented) {
            PinDecision::Trusted => {
                self.record(Verdict::Pinned);
                Ok(ServerCertVerified::assertion())
            }
            PinDecision::New => {
                self.record(Verdict::New {
                    fingerprint: presented,
                });
                Ok(ServerCertVerified::assertion())
            }
            PinDecision::Changed { pinned } => {
                self.record(Verdict::Changed { pinned, presented });
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::ApplicationVerificationFailure,
                ))
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// A client configuration trusting the CA roots, then `pinned` for a
/// self-signed certificate; the verifier is returned for its verdict.
pub fn client_config(
    pinned: Option<String>,
) -> Result<(Arc<ClientConfig>, Arc<TofuVerifier>), String> {
    let provider: Arc<CryptoProvider> = Arc::new(rustls::crypto::ring::default_provider());
    let roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| tr::TLS_CANNOT_START.fill(&[("error", &e)]))?;
    let verifier = Arc::new(TofuVerifier {
        webpki,
        pinned,
        verdict: Mutex::new(None),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tr::TLS_CANNOT_START.fill(&[("error", &e)]))?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone())
        .with_no_client_auth();
    Ok((Arc::new(config), verifier))
}

/// The pin file: one `host:port FINGERPRINT` per line, `#` comments, like
/// ssh's `known_hosts`.
#[derive(Debug, Clone)]
pub struct PinStore {
    path: PathBuf,
}

/// Why the pin file could not be used.
#[derive(Debug)]
pub struct PinError(String);

impl fmt::Display for PinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PinError {}

impl PinStore {
    pub fn new(path: PathBuf) -> PinStore {
        PinStore { path }
    }

    /// `$BANTER_KNOWN_SERVERS`, else `known_servers` in the platform's
    /// config directory (`~/.config/banter`, `%APPDATA%\banter`); `None`
    /// without a home directory.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os(PINS_ENV).filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        directories::BaseDirs::new().map(|d| d.config_dir().join("banter").join("known_servers"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn read(&self) -> Result<String, PinError> {
        match read_small(&self.path, MAX_PIN_FILE) {
            Ok(text) => Ok(text.unwrap_or_default()),
            Err(ReadError::TooBig) => Err(PinError(
                tr::PINS_TOO_BIG.fill(&[("file", &self.path.display())]),
            )),
            Err(ReadError::Io(e)) => Err(PinError(
                tr::PINS_CANNOT_READ.fill(&[("file", &self.path.display()), ("error", &e)]),
            )),
        }
    }

    /// The fingerprint pinned for `key`, if any.
    pub fn get(&self, key: &str) -> Result<Option<String>, PinError> {
        Ok(parse_pins(&self.read()?)
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, fp)| fp.to_owned()))
    }

    /// Pins `fingerprint` for `key`, replacing an older pin; the file is
    /// rewritten through a temporary file so a crash cannot leave half of it.
    pub fn remember(&self, key: &str, fingerprint: &str) -> Result<(), PinError> {
        let old = self.read()?;
        let mut text = String::with_capacity(old.len() + 128);
        if old.is_empty() {
            text.push_str("# Certificates of Banter servers, trusted on first use.\n");
        }
        for line in old.lines() {
            let mine = parse_pins(line).any(|(k, _)| k.eq_ignore_ascii_case(key));
            if !mine {
                text.push_str(line);
                text.push('\n');
            }
        }
        text.push_str(&format!("{key} {fingerprint}\n"));
        write_whole(&self.path, &text).map_err(|e| {
            PinError(tr::PINS_CANNOT_WRITE.fill(&[("file", &self.path.display()), ("error", &e)]))
        })
    }
}

/// `(key, fingerprint)` for each well-formed line; others are skipped.
fn parse_pins(text: &str) -> impl Iterator<Item = (&str, &str)> {
    text.lines().filter_map(|line| {
        let line = line.trim();
        if line.starts_with('#') {
            return None;
        }
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(k), Some(fp), None) => Some((k, fp)),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, port: u16, tls: bool) -> Target {
        Target {
            host: host.into(),
            port,
            tls,
        }
    }

    #[test]
    fn addresses_say_whether_tls_is_wanted() {
        let cases = [
            (
                "ircs://chat.example.org:7000",
                t("chat.example.org", 7000, true),
            ),
            ("ircs://chat.example.org", t("chat.example.org", 6697, true)),
            ("IRCS://Host/#lobby", t("Host", 6697, true)),
            ("irc://host:6668", t("host", 6668, false)),
            ("irc://host", t("host", 6667, false)),
            ("192.168.1.20:6667", t("192.168.1.20", 6667, false)),
            ("192.168.1.20", t("192.168.1.20", 6667, false)),
            (" ircs://[::1]:6697 ", t("::1", 6697, true)),
            ("[::1]", t("::1", 6667, false)),
            ("::1", t("::1", 6667, false)),
        ];
        for (addr, want) in cases {
            assert_eq!(parse_target(addr), Ok(want), "{addr}");
        }
        for bad in [
            "ircs://",
            "host:port",
            "host:0",
            "host:70000",
            "http://x",
            "[::1",
            "[::1]x",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
        assert_eq!(t("::1", 6697, true).pin_key(), "[::1]:6697");
        assert_eq!(
            t("Chat.Example.ORG", 6697, true).pin_key(),
            "chat.example.org:6697"
        );
    }

    #[test]
    fn trust_on_first_use_decisions() {
        assert_eq!(decide(None, "AB:CD"), PinDecision::New);
        assert_eq!(decide(Some("AB:CD"), "AB:CD"), PinDecision::Trusted);
        assert_eq!(decide(Some("ab:cd"), "AB:CD"), PinDecision::Trusted);
        assert_eq!(
            decide(Some("AB:CD"), "EF:01"),
            PinDecision::Changed {
                pinned: "AB:CD".into()
            }
        );
    }

    #[test]
    fn pin_lines_tolerate_comments_and_junk() {
        let text = "# header\nhost:6697 AB:CD\n\nbroken\nother:1 EF extra\n[::1]:6697 01:02\n";
        let pins: Vec<_> = parse_pins(text).collect();
        assert_eq!(pins, [("host:6697", "AB:CD"), ("[::1]:6697", "01:02")]);
    }

    #[test]
    fn the_pin_store_remembers_and_replaces() {
        let dir = std::env::temp_dir().join(format!("banter-pins-{}", std::process::id()));
        let store = PinStore::new(dir.join("sub").join("known_servers"));
        assert_eq!(store.get("a:1").expect("read"), None);
        store.remember("a:1", "AA").expect("write");
        store.remember("b:2", "BB").expect("write");
        store.remember("A:1", "CC").expect("replace");
        assert_eq!(store.get("a:1").expect("read").as_deref(), Some("CC"));
        assert_eq!(store.get("b:2").expect("read").as_deref(), Some("BB"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
