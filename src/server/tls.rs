//! The server's TLS set-up: certificates from PEM files or a self-signed one
//! made on first start, the rustls configuration, and SHA-256 fingerprints.
//! The per-connection TLS engine itself lives in [`super::connection`].
//!
//! Self-signed certificate contract:
//! 1. Both files present in the data directory: they are loaded, never
//!    replaced, so the fingerprint people compared stays the same.
//! 2. Neither present: a new pair is made and written (the key readable by
//!    its owner only, on unix).
//! 3. Only one present: the server refuses to start and says which, rather
//!    than silently replacing a certificate clients have pinned.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;

/// The certificate file in the data directory.
pub const CERT_FILE: &str = "tls-cert.pem";
/// The private key file in the data directory.
pub const KEY_FILE: &str = "tls-key.pem";
/// Largest PEM file read: certificates and keys are a few KiB.
const MAX_PEM: u64 = 1 << 20;

/// A TLS listener's settings: where, and the ready rustls configuration.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub bind: SocketAddr,
    pub config: Arc<ServerConfig>,
    /// SHA-256 of the leaf certificate, `AB:CD:...`: what hosts read out.
    pub fingerprint: String,
}

impl TlsSettings {
    /// Settings serving `certs` (leaf first) with `key`.
    pub fn new(
        bind: SocketAddr,
        certs: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<TlsSettings, TlsError> {
        let leaf = certs.first().ok_or(TlsError::NoCertificate)?;
        let fingerprint = fingerprint(leaf);
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(TlsError::Rustls)?
                .with_no_client_auth()
                .with_single_cert(certs, key)
                .map_err(TlsError::Rustls)?;
        Ok(TlsSettings {
            bind,
            config: Arc::new(config),
            fingerprint,
        })
    }

    /// Settings from a PEM certificate chain and a PEM private key.
    pub fn from_pem_files(
        bind: SocketAddr,
        cert: &Path,
        key: &Path,
    ) -> Result<TlsSettings, TlsError> {
        let (certs, key) = load_pem(cert, key)?;
        TlsSettings::new(bind, certs, key)
    }

    /// Settings from the self-signed pair in `data_dir`, made there first if
    /// missing (see the module's contract). `created` tells which happened.
    pub fn self_signed_in(
        bind: SocketAddr,
        data_dir: &Path,
    ) -> Result<(TlsSettings, bool), TlsError> {
        let (cert_path, key_path) = (data_dir.join(CERT_FILE), data_dir.join(KEY_FILE));
        let created = match (cert_path.exists(), key_path.exists()) {
            (true, true) => false,
            (false, false) => {
                let (cert_pem, key_pem) = generate_self_signed()?;
                fs::create_dir_all(data_dir).map_err(|e| TlsError::file(data_dir, e))?;
                // The key first: a crash between the two leaves a lone key,
                // which contract 3 reports, never a certificate without one.
                write_new(&key_path, key_pem.as_bytes(), true)?;
                write_new(&cert_path, cert_pem.as_bytes(), false)?;
                true
            }
            (true, false) => return Err(TlsError::HalfPair { missing: key_path }),
            (false, true) => return Err(TlsError::HalfPair { missing: cert_path }),
        };
        let settings = TlsSettings::from_pem_files(bind, &cert_path, &key_path)?;
        Ok((settings, created))
    }
}

/// Why TLS could not be set up.
#[derive(Debug)]
pub enum TlsError {
    File {
        path: PathBuf,
        source: io::Error,
    },
    /// A file that should hold PEM does not hold what was expected.
    Pem {
        path: PathBuf,
        what: &'static str,
    },
    NoCertificate,
    /// One of the self-signed pair is there without the other.
    HalfPair {
        missing: PathBuf,
    },
    Generate(rcgen::Error),
    Rustls(rustls::Error),
}

impl TlsError {
    fn file(path: &Path, source: io::Error) -> TlsError {
        TlsError::File {
            path: path.to_owned(),
            source,
        }
    }
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsError::File { path, source } => write!(f, "{}: {source}", path.display()),
            TlsError::Pem { path, what } => {
                write!(f, "{}: no {what} found (expected PEM)", path.display())
            }
            TlsError::NoCertificate => write!(f, "no certificate given"),
            TlsError::HalfPair { missing } => write!(
                f,
                "{} is missing while its partner is there; restore it, or remove both \
                 to make a new certificate (clients will then see a changed certificate)",
                missing.display()
            ),
            TlsError::Generate(e) => write!(f, "cannot make a certificate: {e}"),
            TlsError::Rustls(e) => write!(f, "unusable certificate or key: {e}"),
        }
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TlsError::File { source, .. } => Some(source),
            TlsError::Generate(e) => Some(e),
            TlsError::Rustls(e) => Some(e),
            _ => None,
        }
    }
}

/// Where the server keeps its files unless told otherwise: the platform's
/// local data directory (`~/.local/share/banter`, `%LOCALAPPDATA%\banter`,
/// `~/Library/Application Support/banter`); `None` without a home directory.
/// Not Windows' roaming `%APPDATA%`, which school domains copy at every
/// logon: a folder from there is moved here once (see [`move_once`]).
pub fn default_data_dir() -> Option<PathBuf> {
    let dirs = directories::BaseDirs::new()?;
    let local = dirs.data_local_dir().join("banter");
    let roaming = dirs.data_dir().join("banter");
    if let Err(e) = move_once(&roaming, &local) {
        log::warn!(
            "{} stays where it is ({e}); the server uses {}",
            roaming.display(),
            local.display()
        );
    }
    Some(local)
}

/// Moves the data folder `from` to `to` when `to` does not exist yet (the
/// first start after the default moved); `Ok(true)` when it moved. Where
/// both are one folder (every system but Windows) nothing happens.
pub fn move_once(from: &Path, to: &Path) -> std::io::Result<bool> {
    if from == to || !from.is_dir() || to.exists() {
        return Ok(false);
    }
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent)?;
    }
    // Silently: it may run before anything else is said, and an error at
    // start must stay the one line there is (the README says where the
    // files live).
    fs::rename(from, to)?;
    Ok(true)
}

/// `AB:CD:...`: the SHA-256 of a certificate's DER, as browsers and
/// `openssl x509 -fingerprint -sha256` print it.
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.as_ref());
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

fn read_pem_file(path: &Path) -> Result<Vec<u8>, TlsError> {
    let len = fs::metadata(path)
        .map_err(|e| TlsError::file(path, e))?
        .len();
    if len > MAX_PEM {
        return Err(TlsError::file(
            path,
            io::Error::new(io::ErrorKind::InvalidData, "larger than 1 MiB"),
        ));
    }
    fs::read(path).map_err(|e| TlsError::file(path, e))
}

/// The certificate chain and private key in two PEM files.
pub fn load_pem(
    cert: &Path,
    key: &Path,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), TlsError> {
    let cert_pem = read_pem_file(cert)?;
    let certs = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| TlsError::Pem {
            path: cert.to_owned(),
            what: "readable certificate",
        })?;
    if certs.is_empty() {
        return Err(TlsError::Pem {
            path: cert.to_owned(),
            what: "certificate",
        });
    }
    let key_pem = read_pem_file(key)?;
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|_| TlsError::Pem {
        path: key.to_owned(),
        what: "private key",
    })?;
    Ok((certs, key_der))
}

/// A new self-signed certificate for "localhost" and its key, both PEM.
/// Clients pin it by fingerprint rather than check its name, so the name
/// only matters to tools that look.
pub fn generate_self_signed() -> Result<(String, String), TlsError> {
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).map_err(TlsError::Generate)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Banter server");
    let key = rcgen::KeyPair::generate().map_err(TlsError::Generate)?;
    let cert = params.self_signed(&key).map_err(TlsError::Generate)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// Writes a file that must not exist yet; `private` makes it owner-only on unix.
fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), TlsError> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| TlsError::file(path, e))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| TlsError::file(path, e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_roaming_data_folder_moves_to_the_local_one_once() {
        let base = std::env::temp_dir().join(format!("banter-move-{}", std::process::id()));
        let _ = fs::remove_dir_all(&base);
        let (roaming, local) = (base.join("Roaming/banter"), base.join("Local/banter"));
        fs::create_dir_all(&roaming).unwrap();
        fs::write(roaming.join("history.sqlite3"), b"rows").unwrap();
        assert!(move_once(&roaming, &local).unwrap());
        assert_eq!(fs::read(local.join("history.sqlite3")).unwrap(), b"rows");
        assert!(!roaming.exists());
        // Once: a later roaming folder does not replace the local one.
        fs::create_dir_all(&roaming).unwrap();
        assert!(!move_once(&roaming, &local).unwrap());
        assert!(
            !move_once(&local, &local).unwrap(),
            "one folder: nothing to do"
        );
        let _ = fs::remove_dir_all(&base);
    }

    use super::*;

    #[test]
    fn fingerprint_is_colon_separated_upper_hex_sha256() {
        let fp = fingerprint(&CertificateDer::from(b"abc".to_vec()));
        // SHA-256("abc"), the FIPS 180-2 test vector.
        assert!(fp.starts_with("BA:78:16:BF:8F:01:CF:EA"), "{fp}");
        assert_eq!(fp.len(), 32 * 3 - 1);
    }

    #[test]
    fn a_generated_pair_loads_back() {
        let (cert, key) = generate_self_signed().expect("generate");
        let certs = CertificateDer::pem_slice_iter(cert.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("cert PEM");
        let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).expect("key PEM");
        let bind = SocketAddr::from(([127, 0, 0, 1], 0));
        TlsSettings::new(bind, certs, key).expect("usable");
    }
}
