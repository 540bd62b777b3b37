//! airgate serving HTTPS itself, with a certificate and key from PEM files.

use eas_test_client::Airgate;

struct Pem {
    _dir: tempfile::TempDir,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
    cert_pem: String,
}

fn self_signed() -> Pem {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("generate a certificate");
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    let cert_pem = certified.cert.pem();
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    Pem {
        _dir: dir,
        cert,
        key,
        cert_pem,
    }
}

#[tokio::test]
async fn with_a_certificate_airgate_serves_https() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let pem = self_signed();
    let airgate = Airgate::builder(env!("CARGO_BIN_EXE_airgate"))
        .flag("--tls-cert", pem.cert.display())
        .flag("--tls-key", pem.key.display())
        .start();
    assert!(airgate.url().starts_with("https://"), "{}", airgate.url());
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.cert_pem.as_bytes()).unwrap())
        .no_proxy()
        .build()
        .unwrap();
    let resp = http
        .request(reqwest::Method::OPTIONS, airgate.url())
        .basic_auth("alice", Some("alice-secret"))
        .send()
        .await
        .expect("HTTPS request");
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("ms-asprotocolversions"));
}

#[test]
fn a_key_that_does_not_match_the_certificate_stops_the_start_with_a_message() {
    let a = self_signed();
    let b = self_signed();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_airgate"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--imap",
            "imap://127.0.0.1:1",
        ])
        .arg("--state-dir")
        .arg(a._dir.path().join("state"))
        .arg("--tls-cert")
        .arg(&a.cert)
        .arg("--tls-key")
        .arg(&b.key)
        .env_remove("AIRGATE_CONFIG")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TLS"), "{stderr}");
}
