//! The local certificate authority and the `localhost` certificate the server presents.
//!
//! On first start a CA and a leaf are generated with rcgen and kept in `<data dir>/tls/`,
//! the private keys readable only by the user. The CA is name-constrained to `localhost`,
//! `127.0.0.1` and `::1`, so its key cannot mint a certificate any client accepts for
//! another site. At every start the files are checked: a missing, truncated or mismatched
//! file is replaced with a log line, and a leaf with under 30 days left is re-issued by the
//! same CA so nothing has to be trusted again. Trusting the CA in the OS or browser stores
//! is the installer's job, not this module's.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    NameConstraints, PublicKeyData, SerialNumber,
};
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use time::{Duration, OffsetDateTime};

use crate::cli::CertCommand;
use crate::config::Config;
use crate::fsutil::{Access, write_atomic};

/// The CA's common name; installers find the CA in trust stores by it.
pub const CA_NAME: &str = "sms-bridge local CA";

/// The names the leaf carries and the CA permits.
pub const LOCAL_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// A leaf lives this long. Apple rejects server certificates valid for more than 825 days.
const LEAF_DAYS: i64 = 397;

/// A leaf with less than this left is re-issued at start.
const RENEW_BEFORE_DAYS: i64 = 30;

/// The CA lives this long; replacing it means trusting it again.
const CA_DAYS: i64 = 3650;

/// Where the certificate files live.
#[derive(Clone, Debug)]
pub struct Paths {
    pub ca_cert: PathBuf,
    pub ca_key: PathBuf,
    pub leaf_cert: PathBuf,
    pub leaf_key: PathBuf,
}

impl Paths {
    pub fn new(data_dir: &Path) -> Paths {
        let dir = data_dir.join("tls");
        Paths {
            ca_cert: dir.join("ca.crt"),
            ca_key: dir.join("ca.key"),
            leaf_cert: dir.join("localhost.crt"),
            leaf_key: dir.join("localhost.key"),
        }
    }
}

/// The CA certificate file to trust (PEM).
pub fn ca_cert_path(data_dir: &Path) -> PathBuf {
    Paths::new(data_dir).ca_cert
}

/// When the stored localhost certificate expires (unix time), if there is a readable one.
pub fn leaf_expiry(data_dir: &Path) -> Option<i64> {
    let text = fs::read_to_string(Paths::new(data_dir).leaf_cert).ok()?;
    let der = parse_single_pem(&text).ok()?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der).ok()?;
    Some(cert.validity().not_after.timestamp())
}

/// What the server needs to speak TLS: the leaf with its chain, and the leaf's key.
pub struct Identity {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    pub leaf_not_after: OffsetDateTime,
}

impl Identity {
    /// A rustls server configuration presenting this identity (TLS 1.2 and 1.3, HTTP/1.1).
    pub fn server_config(self) -> anyhow::Result<rustls::ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .context("failed to set up TLS protocol versions")?
            .with_no_client_auth()
            .with_single_cert(self.chain, self.key)
            .context("failed to load the localhost certificate into TLS")?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// Loads the CA and the leaf, creating or replacing whatever is missing, broken or due.
pub fn ensure(data_dir: &Path, now: OffsetDateTime) -> anyhow::Result<Identity> {
    crate::fsutil::create_private_dir(data_dir)
        .with_context(|| format!("failed to create data dir {}", data_dir.display()))?;
    let paths = Paths::new(data_dir);
    let ca = match load_ca(&paths, now) {
        Ok(ca) => ca,
        Err(problem) => {
            if paths.ca_cert.exists() || paths.ca_key.exists() {
                tracing::warn!(
                    "data dir {}: CA {problem}; generating a new CA, which must be trusted again \
                     (`sms-bridge install`)",
                    data_dir.display()
                );
            }
            create_ca(&paths, now)?
        }
    };

    match load_leaf(&paths, &ca, now) {
        Ok(identity) => Ok(identity),
        Err(problem) => {
            if paths.leaf_cert.exists() || paths.leaf_key.exists() {
                tracing::info!(
                    "data dir {}: localhost certificate {problem}; issuing a new one",
                    data_dir.display()
                );
            }
            issue_leaf(&paths, &ca, now)
        }
    }
}

/// Issues a new leaf from the existing CA whatever the state of the current one.
pub fn renew(data_dir: &Path, now: OffsetDateTime) -> anyhow::Result<Identity> {
    let paths = Paths::new(data_dir);
    let ca = load_ca(&paths, now).map_err(|problem| {
        anyhow::anyhow!(
            "failed to renew the localhost certificate: CA {problem}; \
             run `sms-bridge serve` once to create a CA"
        )
    })?;
    issue_leaf(&paths, &ca, now)
}

/// The CA as loaded from disk.
struct Ca {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key: KeyPair,
}

fn load_ca(paths: &Paths, now: OffsetDateTime) -> Result<Ca, String> {
    let pair = read_pair(&paths.ca_cert, &paths.ca_key)?;
    let (_, cert) = x509_parser::parse_x509_certificate(&pair.cert_der)
        .map_err(|e| format!("certificate is unreadable ({e})"))?;
    if !cert.is_ca() {
        return Err("certificate is not a CA".to_string());
    }
    if pair.not_after < now {
        return Err("certificate has expired".to_string());
    }
    Ok(Ca {
        cert_pem: pair.cert_pem,
        cert_der: pair.cert_der,
        key: pair.key,
    })
}

/// A certificate file and its key file, read and checked to belong together.
struct Pair {
    cert_pem: String,
    cert_der: CertificateDer<'static>,
    key: KeyPair,
    not_after: OffsetDateTime,
}

fn read_pair(cert_path: &Path, key_path: &Path) -> Result<Pair, String> {
    let cert_pem = read_text(cert_path)?;
    let key_pem = read_text(key_path)?;
    let cert_der = parse_single_pem(&cert_pem)?;
    let key = KeyPair::from_pem(&key_pem).map_err(|e| format!("key is unreadable ({e})"))?;

    let (_, cert) = x509_parser::parse_x509_certificate(&cert_der)
        .map_err(|e| format!("certificate is unreadable ({e})"))?;
    if cert.public_key().subject_public_key.data.as_ref() != key.der_bytes() {
        return Err("certificate and key do not belong together".to_string());
    }
    let not_after = OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp())
        .map_err(|_| "certificate has an impossible expiry date".to_string())?;
    Ok(Pair {
        cert_pem,
        cert_der,
        key,
        not_after,
    })
}

fn create_ca(paths: &Paths, now: OffsetDateTime) -> anyhow::Result<Ca> {
    let key = KeyPair::generate().context("failed to generate the CA key")?;
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(CA_NAME);
    // A unit name of its own per install keeps two bridges' CAs apart in a trust store.
    let install = hex::encode(rand::random::<[u8; 4]>());
    params
        .distinguished_name
        .push(DnType::OrganizationalUnitName, format!("install {install}"));
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.name_constraints = Some(local_name_constraints());
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(CA_DAYS);
    params.serial_number = Some(random_serial());
    let cert = params
        .self_signed(&key)
        .context("failed to sign the CA certificate")?;

    write_atomic(
        &paths.ca_key,
        key.serialize_pem().as_bytes(),
        Access::OwnerOnly,
    )
    .with_context(|| format!("failed to write {}", paths.ca_key.display()))?;
    write_atomic(&paths.ca_cert, cert.pem().as_bytes(), Access::Public)
        .with_context(|| format!("failed to write {}", paths.ca_cert.display()))?;
    tracing::info!("data dir: wrote CA certificate {}", paths.ca_cert.display());

    Ok(Ca {
        cert_pem: cert.pem(),
        cert_der: cert.der().clone(),
        key,
    })
}

/// Permits exactly `localhost` (and names below it), 127.0.0.1/32 and ::1/128.
fn local_name_constraints() -> NameConstraints {
    let mut v6 = [0u8; 16];
    v6[15] = 1;
    NameConstraints {
        permitted_subtrees: vec![
            GeneralSubtree::DnsName("localhost".to_string()),
            GeneralSubtree::IpAddress(CidrSubnet::V4([127, 0, 0, 1], [255; 4])),
            GeneralSubtree::IpAddress(CidrSubnet::V6(v6, [255; 16])),
        ],
        excluded_subtrees: Vec::new(),
    }
}

fn load_leaf(paths: &Paths, ca: &Ca, now: OffsetDateTime) -> Result<Identity, String> {
    let pair = read_pair(&paths.leaf_cert, &paths.leaf_key)?;
    verify_leaf(&ca.cert_der, &pair.cert_der, now)?;
    if pair.not_after - now < Duration::days(RENEW_BEFORE_DAYS) {
        return Err(format!("expires {}", date_text(pair.not_after)));
    }

    Ok(Identity {
        chain: vec![pair.cert_der, ca.cert_der.clone()],
        key: PrivateKeyDer::Pkcs8(pair.key.serialize_der().into()),
        leaf_not_after: pair.not_after,
    })
}

/// Checks the leaf the way a browser would: issued by our CA, valid now, for every local name.
fn verify_leaf(
    ca: &CertificateDer<'static>,
    leaf: &CertificateDer<'static>,
    now: OffsetDateTime,
) -> Result<(), String> {
    let verifier = verifier_for(ca).map_err(|e| e.to_string())?;
    let time = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        now.unix_timestamp().max(0) as u64,
    ));
    for name in LOCAL_NAMES {
        let server_name = ServerName::try_from(name).expect("static local names parse");
        verifier
            .verify_server_cert(leaf, &[], &server_name, &[], time)
            .map_err(|e| format!("is not valid for {name} under the current CA ({e})"))?;
    }
    Ok(())
}

/// A rustls verifier that trusts only the given CA (tests and self-checks use it).
pub fn verifier_for(
    ca: &CertificateDer<'static>,
) -> anyhow::Result<Arc<rustls::client::WebPkiServerVerifier>> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(ca.clone())
        .context("failed to read the CA certificate as a trust anchor")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .context("failed to build a verifier for the CA")
}

fn issue_leaf(paths: &Paths, ca: &Ca, now: OffsetDateTime) -> anyhow::Result<Identity> {
    let key = KeyPair::generate().context("failed to generate the localhost key")?;
    let names: Vec<String> = LOCAL_NAMES.iter().map(|n| n.to_string()).collect();
    let mut params = CertificateParams::new(names).context("failed to set certificate names")?;
    params.distinguished_name = distinguished_name("localhost");
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(LEAF_DAYS);
    params.serial_number = Some(random_serial());

    let issuer = Issuer::from_ca_cert_pem(&ca.cert_pem, &ca.key)
        .context("failed to use the CA certificate for signing")?;
    let cert = params
        .signed_by(&key, &issuer)
        .context("failed to sign the localhost certificate")?;

    write_atomic(
        &paths.leaf_key,
        key.serialize_pem().as_bytes(),
        Access::OwnerOnly,
    )
    .with_context(|| format!("failed to write {}", paths.leaf_key.display()))?;
    write_atomic(&paths.leaf_cert, cert.pem().as_bytes(), Access::Public)
        .with_context(|| format!("failed to write {}", paths.leaf_cert.display()))?;
    tracing::info!(
        "data dir: issued localhost certificate {} valid until {}",
        paths.leaf_cert.display(),
        date_text(params.not_after)
    );

    Ok(Identity {
        chain: vec![cert.der().clone(), ca.cert_der.clone()],
        key: PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        leaf_not_after: params.not_after,
    })
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "sms-bridge");
    name
}

/// A fresh random serial: NSS rejects two certificates from one CA with the same serial,
/// and rcgen's default serial repeats when a key is reused.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f;
    SerialNumber::from_slice(&bytes)
}

fn read_text(path: &Path) -> Result<String, String> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(format!("file {} is missing", path.display()))
        }
        Err(e) => Err(format!("file {} is unreadable ({e})", path.display())),
    }
}

fn parse_single_pem(text: &str) -> Result<CertificateDer<'static>, String> {
    let mut reader = text.as_bytes();
    match rustls_pemfile::certs(&mut reader).next() {
        Some(Ok(der)) => Ok(der),
        Some(Err(e)) => Err(format!("certificate is unreadable ({e})")),
        None => Err("certificate file holds no certificate".to_string()),
    }
}

fn date_text(when: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    when.format(&format).unwrap_or_else(|_| when.to_string())
}

/// `sms-bridge cert path|show|renew`.
pub fn run_command(config: &Config, command: CertCommand) -> anyhow::Result<()> {
    let now = OffsetDateTime::now_utc();
    match command {
        CertCommand::Path => {
            println!("{}", ca_cert_path(&config.data_dir).display());
        }
        CertCommand::Show => {
            ensure(&config.data_dir, now)?;
            let paths = Paths::new(&config.data_dir);
            print!("{}", describe(&paths.ca_cert)?);
            print!("{}", describe(&paths.leaf_cert)?);
        }
        CertCommand::Renew => {
            let identity = renew(&config.data_dir, now)?;
            println!(
                "issued a new localhost certificate valid until {}; restart `sms-bridge serve` \
                 to use it",
                date_text(identity.leaf_not_after)
            );
        }
    }
    Ok(())
}

/// A few lines about one certificate file: subject, names, validity, SHA-256 fingerprint.
fn describe(path: &Path) -> anyhow::Result<String> {
    let text =
        fs::read_to_string(path).with_context(|| format!("failed to read {}", path.display()))?;
    let der = parse_single_pem(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let (_, cert) = x509_parser::parse_x509_certificate(&der)
        .map_err(|e| anyhow::anyhow!("{}: certificate is unreadable ({e})", path.display()))?;

    let names: Vec<String> = match cert.subject_alternative_name() {
        Ok(Some(san)) => san
            .value
            .general_names
            .iter()
            .map(general_name_text)
            .collect(),
        _ => Vec::new(),
    };
    let constraints = match cert.name_constraints() {
        Ok(Some(nc)) => nc.value.permitted_subtrees.as_ref().map(|trees| {
            trees
                .iter()
                .map(|tree| general_name_text(&tree.base))
                .collect::<Vec<_>>()
        }),
        _ => None,
    };
    let names = match constraints {
        Some(permitted) => format!("permits only {}", permitted.join(", ")),
        None if names.is_empty() => "(none)".to_string(),
        None => names.join(", "),
    };
    let fingerprint = ring::digest::digest(&ring::digest::SHA256, &der);
    let fingerprint = hex::encode_upper(fingerprint.as_ref());
    Ok(format!(
        "{}\n  subject:     {}\n  names:       {}\n  valid:       {} to {}\n  sha256:      {}\n",
        path.display(),
        cert.subject(),
        names,
        cert.validity().not_before,
        cert.validity().not_after,
        fingerprint
    ))
}

fn general_name_text(name: &x509_parser::extensions::GeneralName<'_>) -> String {
    use x509_parser::extensions::GeneralName;
    match name {
        GeneralName::DNSName(dns) => dns.to_string(),
        GeneralName::IPAddress(bytes) => ip_text(bytes),
        other => other.to_string(),
    }
}

/// An address, or an address/mask pair as name constraints carry them.
fn ip_text(bytes: &[u8]) -> String {
    use std::net::{Ipv4Addr, Ipv6Addr};
    let v4 = |b: &[u8]| Ipv4Addr::from(<[u8; 4]>::try_from(b).expect("4 bytes")).to_string();
    let v6 = |b: &[u8]| Ipv6Addr::from(<[u8; 16]>::try_from(b).expect("16 bytes")).to_string();
    match bytes.len() {
        4 => v4(bytes),
        16 => v6(bytes),
        8 => format!("{}/{}", v4(&bytes[..4]), v4(&bytes[4..])),
        32 => format!("{}/{}", v6(&bytes[..16]), v6(&bytes[16..])),
        _ => hex::encode(bytes),
    }
}
