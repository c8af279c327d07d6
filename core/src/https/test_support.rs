//! Test TLS: a throwaway CA, leaf certificates it signs, and an axum server over TLS on 127.0.0.1.

use std::net::SocketAddr;
use std::sync::Arc;

use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A certificate authority made for one test.
pub(crate) struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
}

impl TestCa {
    /// A fresh CA named `name`.
    pub(crate) fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        Self {
            pem: cert.pem(),
            issuer: Issuer::new(params, key),
        }
    }

    /// The CA certificate as PEM, to pass as an extra root.
    pub(crate) fn pem(&self) -> Vec<u8> {
        self.pem.as_bytes().to_vec()
    }

    /// A server certificate for `names` (DNS names or IP addresses) signed by this CA.
    pub(crate) fn leaf(&self, names: &[&str]) -> TestIdentity {
        let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "ichie test server");
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        TestIdentity {
            chain: vec![cert.der().clone()],
            key: PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
        }
    }

    /// A private key in PEM (something that is not a certificate).
    pub(crate) fn stray_key_pem(&self) -> Vec<u8> {
        KeyPair::generate().unwrap().serialize_pem().into_bytes()
    }

    /// A server certificate for `127.0.0.1` and `localhost`.
    pub(crate) fn localhost(&self) -> TestIdentity {
        self.leaf(&["127.0.0.1", "localhost"])
    }
}

/// A server's certificate chain and private key.
pub(crate) struct TestIdentity {
    /// Leaf first.
    pub(crate) chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key.
    pub(crate) key: PrivateKeyDer<'static>,
}

impl TestIdentity {
    /// A rustls server configuration on the ring provider (the workspace has no aws-lc).
    pub(crate) fn server_config(&self) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}

/// A running test server; shut down when dropped.
pub(crate) struct TestServer {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    handle: Handle<SocketAddr>,
}

impl TestServer {
    /// `https://127.0.0.1:<port><path>`.
    pub(crate) fn url(&self, path: &str) -> reqwest::Url {
        reqwest::Url::parse(&format!("https://{}{path}", self.addr)).unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// Serves `router` over TLS with `identity` on 127.0.0.1 and a free port. Needs a tokio runtime.
pub(crate) fn serve(router: axum::Router, identity: &TestIdentity) -> TestServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let config = RustlsConfig::from_config(Arc::new(identity.server_config()));
    let handle = Handle::new();
    let server = axum_server::tls_rustls::from_tcp_rustls(listener, config)
        .unwrap()
        .handle(handle.clone());
    tokio::spawn(async move { server.serve(router.into_make_service()).await });
    TestServer { addr, handle }
}

/// An HTTPS client trusting `ca` on top of the system roots, with short timeouts.
pub(crate) fn client_trusting(ca: &TestCa) -> reqwest::Client {
    super::client(&super::HttpsConfig {
        extra_roots_pem: vec![ca.pem()],
        timeout: std::time::Duration::from_secs(5),
        connect_timeout: std::time::Duration::from_secs(5),
    })
    .unwrap()
}
