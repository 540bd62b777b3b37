//! The TLS client configuration every upstream connection shares.
//!
//! rustls with the aws-lc-rs provider, passed explicitly (nothing is installed
//! process-wide: the binary does that), and the platform verifier: on Linux
//! the system's CA bundle. An extra PEM file can add roots for upstreams with
//! a private CA.
//!
//! The platform roots are loaded on first use, not at construction: a
//! deployment whose upstreams are all plaintext on loopback must not need a
//! CA bundle. The extra CA file is read at construction so that a wrong path
//! shows at startup.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use rustls::ClientConfig;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// Why the TLS client configuration cannot be built.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TlsError {
    /// The extra CA file cannot be read or parsed.
    #[error("cannot load the CA file {path}: {reason}")]
    CaFile { path: PathBuf, reason: String },
    /// The extra CA file has no `BEGIN CERTIFICATE` block.
    #[error("the CA file {path} contains no PEM certificate (-----BEGIN CERTIFICATE-----)")]
    CaFileEmpty { path: PathBuf },
    /// The certificate verifier could not be set up, typically because the
    /// system has no CA bundle.
    #[error(
        "cannot set up TLS certificate verification: {0} (install the system CA certificates, e.g. the ca-certificates package, or configure a CA file)"
    )]
    Verifier(String),
}

/// A cheaply cloned handle on the shared rustls client configuration.
#[derive(Clone)]
pub struct TlsConfig {
    inner: Arc<Inner>,
}

struct Inner {
    extra_roots: Vec<CertificateDer<'static>>,
    ca_file: Option<PathBuf>,
    config: OnceLock<Result<Arc<ClientConfig>, TlsError>>,
}

impl fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsConfig")
            .field("ca_file", &self.inner.ca_file)
            .field("extra_roots", &self.inner.extra_roots.len())
            .finish()
    }
}

impl TlsConfig {
    /// The platform's roots, plus the certificates in `ca_file` (PEM) if given.
    pub fn new(ca_file: Option<&Path>) -> Result<Self, TlsError> {
        let extra_roots = match ca_file {
            None => Vec::new(),
            Some(path) => load_pem_certs(path)?,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                extra_roots,
                ca_file: ca_file.map(Path::to_path_buf),
                config: OnceLock::new(),
            }),
        })
    }

    /// Only the platform's roots.
    pub fn platform() -> Self {
        Self {
            inner: Arc::new(Inner {
                extra_roots: Vec::new(),
                ca_file: None,
                config: OnceLock::new(),
            }),
        }
    }

    /// Uses a ready rustls configuration as is (tests, embedders).
    pub fn from_rustls(config: Arc<ClientConfig>) -> Self {
        Self {
            inner: Arc::new(Inner {
                extra_roots: Vec::new(),
                ca_file: None,
                config: OnceLock::from(Ok(config)),
            }),
        }
    }

    /// The rustls configuration, built on first call.
    pub fn client_config(&self) -> Result<Arc<ClientConfig>, TlsError> {
        self.inner
            .config
            .get_or_init(|| build(&self.inner.extra_roots))
            .clone()
    }
}

fn load_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let err = |reason: String| TlsError::CaFile {
        path: path.to_path_buf(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| err(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| err(e.to_string()))?;
    if certs.is_empty() {
        return Err(TlsError::CaFileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// The crypto provider for every upstream connection. Passed explicitly so
/// this crate works whether or not a process default is installed.
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn build(extra_roots: &[CertificateDer<'static>]) -> Result<Arc<ClientConfig>, TlsError> {
    let provider = provider();
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
        extra_roots.iter().cloned(),
        provider.clone(),
    )
    .map_err(|e| TlsError::Verifier(e.to_string()))?;
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Verifier(e.to_string()))?
        // "dangerous" only in name: this is how a custom verifier is plugged
        // in, and the platform verifier does full WebPKI validation.
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    tracing::debug!(
        extra_roots = extra_roots.len(),
        "TLS client configuration built"
    );
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_ca_file_names_the_path() {
        let err = TlsConfig::new(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(matches!(err, TlsError::CaFile { .. }));
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn ca_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("upstream-tls-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let err = TlsConfig::new(Some(&path)).unwrap_err();
        assert!(matches!(err, TlsError::CaFileEmpty { .. }), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn platform_config_builds_when_the_system_has_roots() {
        // Machines without a CA bundle get the Verifier error instead; both
        // are fine here, a panic is not.
        match TlsConfig::platform().client_config() {
            Ok(_) => {}
            Err(TlsError::Verifier(_)) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
}
