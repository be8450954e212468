//! Configuration: defaults < TOML file < `SMS_BRIDGE_<SECTION>__<KEY>` environment < flags,
//! merged with the `config` crate and checked once into [`Config`]. Every later module sees
//! only the checked form. This module also remembers where each effective value came from,
//! for `sms-bridge config`. It does not read secrets other than the legacy account
//! password, which the key store migrates and which is never printed.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use config::{Value, ValueKind};
use serde::Deserialize;

/// The environment variable prefix; `SMS_BRIDGE_SERVER__PORT` sets `server.port`.
const ENV_PREFIX: &str = "SMS_BRIDGE_";

/// Environment variables with the prefix that are not configuration keys.
const ENV_NOT_KEYS: &[&str] = &["SMS_BRIDGE_DATA_DIR"];

/// The default port: below every OS's ephemeral range and away from the ports that
/// development servers (3000, 8080, 8443) usually take.
pub const DEFAULT_PORT: u16 = 27443;

/// The add-in's product id in the manifest. Outlook knows the add-in by it, so it stays the
/// same across releases; an organisation that builds its own variant overrides it.
pub const DEFAULT_ADDIN_ID: &str = "fabebb64-bf8d-454b-81b0-8f55f485cb12";

/// Every key with its type, default (`None`: unset unless given) and a one-line meaning, in
/// the order `sms-bridge config` prints them. The README's config reference mirrors this.
const KEYS: &[(&str, Kind, Option<Default>, &str)] = &[
    (
        "server.port",
        Kind::Int,
        Some(Default::Int(DEFAULT_PORT as i64)),
        "loopback HTTPS port",
    ),
    (
        "gateway.url",
        Kind::Str,
        Some(Default::Str("https://api.lox24.eu")),
        "LOX24 API base URL",
    ),
    (
        "gateway.ca_file",
        Kind::Str,
        None,
        "extra CA (PEM) to trust for the gateway",
    ),
    (
        "gateway.timeout_s",
        Kind::Int,
        Some(Default::Int(30)),
        "total time for one LOX24 request",
    ),
    (
        "gateway.connect_timeout_s",
        Kind::Int,
        Some(Default::Int(10)),
        "time to connect to LOX24",
    ),
    (
        "gateway.concurrency",
        Kind::Int,
        Some(Default::Int(4)),
        "LOX24 requests in flight per send",
    ),
    ("sms.sender_id", Kind::Str, None, "default sender ID"),
    (
        "sms.default_country",
        Kind::Str,
        Some(Default::Str("DE")),
        "country for national numbers",
    ),
    (
        "sms.service_code",
        Kind::Str,
        Some(Default::Str("direct")),
        "LOX24 service code",
    ),
    (
        "sms.max_recipients",
        Kind::Int,
        Some(Default::Int(50)),
        "recipients per send",
    ),
    (
        "sms.store_text",
        Kind::Bool,
        Some(Default::Bool(true)),
        "keep message texts in the journal",
    ),
    (
        "sms.retention_days",
        Kind::Int,
        Some(Default::Int(90)),
        "days the journal keeps messages",
    ),
    (
        "account.client_id",
        Kind::Str,
        None,
        "LOX24 client id (customer number)",
    ),
    (
        "account.password",
        Kind::Str,
        None,
        "legacy account password; migrated, then removed",
    ),
    (
        "credentials.store",
        Kind::Str,
        Some(Default::Str("os")),
        "\"os\" credential store or \"file\"",
    ),
    (
        "manifest.id",
        Kind::Str,
        Some(Default::Str(DEFAULT_ADDIN_ID)),
        "add-in GUID; never change it once deployed",
    ),
];

/// The TOML type a key takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Str,
    Bool,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Int => "a whole number",
            Kind::Str => "a quoted string",
            Kind::Bool => "true or false",
        }
    }

    /// Whether a TOML value has this type. `account.client_id` also takes a bare number,
    /// since the customer number is one.
    fn accepts(self, key: &str, value: &ValueKind) -> bool {
        match (self, value) {
            (Kind::Int, ValueKind::I64(_) | ValueKind::I128(_) | ValueKind::U64(_)) => true,
            (Kind::Str, ValueKind::String(_)) => true,
            (Kind::Str, ValueKind::I64(_) | ValueKind::U64(_)) => key == "account.client_id",
            (Kind::Bool, ValueKind::Boolean(_)) => true,
            _ => false,
        }
    }

    /// Whether an environment string parses as this type.
    fn parses(self, text: &str) -> bool {
        match self {
            Kind::Int => text.trim().parse::<i64>().is_ok(),
            Kind::Str => true,
            Kind::Bool => matches!(text.trim(), "true" | "false"),
        }
    }
}

#[derive(Clone, Copy)]
enum Default {
    Int(i64),
    Str(&'static str),
    Bool(bool),
}

/// Where an effective value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Default,
    File(PathBuf),
    Env(String),
    Flag(&'static str),
    Unset,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::File(path) => write!(f, "file {}", path.display()),
            Origin::Env(name) => write!(f, "env {name}"),
            Origin::Flag(flag) => write!(f, "flag {flag}"),
            Origin::Unset => f.write_str("unset"),
        }
    }
}

/// A configuration problem; always a usage error (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read config file {path}: {cause}")]
    Unreadable { path: PathBuf, cause: String },
    #[error("unknown key `{key}` in {source_name}; known keys: {known}")]
    UnknownKey {
        key: String,
        source_name: String,
        known: String,
    },
    #[error("invalid value for `{key}` in {source_name}: {cause}")]
    Invalid {
        key: String,
        source_name: String,
        cause: String,
    },
    #[error("failed to determine a {what} directory: set --data-dir or SMS_BRIDGE_DATA_DIR")]
    NoHome { what: &'static str },
}

/// Which credential store holds the secrets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreKind {
    /// The operating system's credential store (falls back to a file when none works).
    Os,
    /// An owner-only file in the data dir (tests, CI, headless machines).
    File,
}

/// A TCP port that can be listened on (1–65535).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Port(u16);

impl Port {
    pub fn new(port: i64) -> Result<Port, String> {
        match u16::try_from(port) {
            Ok(0) | Err(_) => Err(format!(
                "{port} is not a port; use a number from 1 to 65535"
            )),
            Ok(port) => Ok(Port(port)),
        }
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The LOX24 base URL: `https://`, or `http://` to a loopback host only (the simulator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayUrl(String);

impl GatewayUrl {
    pub fn parse(raw: &str) -> Result<GatewayUrl, String> {
        let url =
            reqwest::Url::parse(raw.trim()).map_err(|e| format!("{raw:?} is not a URL: {e}"))?;
        let loopback = match url.host() {
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            None => return Err(format!("{raw:?} has no host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(format!(
                    "{raw:?} uses http://, allowed only for loopback hosts"
                ));
            }
            other => return Err(format!("{raw:?} uses {other}://; use https://")),
        }
        Ok(GatewayUrl(url.as_str().trim_end_matches('/').to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The add-in's GUID, in the lowercase hyphenated form the manifest schema accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddinId(String);

impl AddinId {
    /// Accepts any common GUID spelling (braces, `urn:uuid:`, upper case) except the nil GUID.
    pub fn parse(raw: &str) -> Result<AddinId, String> {
        let guid = uuid::Uuid::try_parse(raw.trim())
            .map_err(|_| format!("{raw:?} is not a GUID such as {DEFAULT_ADDIN_ID}"))?;
        if guid.is_nil() {
            return Err("the nil GUID cannot identify an add-in; generate a new GUID".into());
        }
        Ok(AddinId(guid.hyphenated().to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AddinId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The checked configuration every command runs with.
#[derive(Clone, Debug)]
pub struct Config {
    pub server: ServerSection,
    pub gateway: GatewaySection,
    pub sms: SmsSection,
    pub account: AccountSection,
    pub credentials: CredentialsSection,
    pub manifest: ManifestSection,
    /// Where the CA, the leaf, key metadata, the journal and the guard's memory live.
    pub data_dir: PathBuf,
    /// The TOML file that was read, if any.
    pub file: Option<PathBuf>,
    origins: BTreeMap<&'static str, Origin>,
}

#[derive(Clone, Debug)]
pub struct ServerSection {
    pub port: Port,
}

#[derive(Clone, Debug)]
pub struct GatewaySection {
    pub url: GatewayUrl,
    pub ca_file: Option<PathBuf>,
    pub timeout_s: u64,
    pub connect_timeout_s: u64,
    pub concurrency: usize,
}

#[derive(Clone, Debug)]
pub struct SmsSection {
    pub sender_id: Option<String>,
    pub default_country: String,
    pub service_code: String,
    pub max_recipients: usize,
    pub store_text: bool,
    pub retention_days: u32,
}

#[derive(Clone)]
pub struct AccountSection {
    pub client_id: Option<String>,
    /// The legacy account password from old settings; only ever migrated, never printed.
    pub password: Option<zeroize::Zeroizing<String>>,
}

impl fmt::Debug for AccountSection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountSection")
            .field("client_id", &self.client_id)
            .field("password", &self.password.as_ref().map(|_| "••••"))
            .finish()
    }
}

#[derive(Clone, Debug)]
pub struct CredentialsSection {
    pub store: StoreKind,
}

#[derive(Clone, Debug)]
pub struct ManifestSection {
    pub id: AddinId,
}

/// What the command line adds on top of files and environment.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub port: Option<u16>,
}

/// The raw shape the merged layers deserialize into, before checks.
#[derive(Deserialize)]
struct Raw {
    server: RawServer,
    gateway: RawGateway,
    sms: RawSms,
    #[serde(default)]
    account: RawAccount,
    credentials: RawCredentials,
    manifest: RawManifest,
}

#[derive(Deserialize)]
struct RawServer {
    port: i64,
}

#[derive(Deserialize)]
struct RawGateway {
    url: String,
    #[serde(default)]
    ca_file: Option<PathBuf>,
    timeout_s: u64,
    connect_timeout_s: u64,
    concurrency: usize,
}

#[derive(Deserialize)]
struct RawSms {
    #[serde(default)]
    sender_id: Option<String>,
    default_country: String,
    service_code: String,
    max_recipients: usize,
    store_text: bool,
    retention_days: u32,
}

#[derive(Deserialize, Default)]
struct RawAccount {
    client_id: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
struct RawCredentials {
    store: String,
}

#[derive(Deserialize)]
struct RawManifest {
    id: String,
}

impl Config {
    /// Loads the layers for this process: the OS config dir (or `--config`), the process
    /// environment and the flags.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let env: Vec<(String, String)> = std::env::vars().collect();
        Config::load_from(overrides, &env, default_config_file(), default_data_dir())
    }

    /// Loads with an explicit environment and default locations (tests use this).
    pub fn load_from(
        overrides: &Overrides,
        env: &[(String, String)],
        default_file: Option<PathBuf>,
        default_data_dir: Option<PathBuf>,
    ) -> Result<Config, ConfigError> {
        let file = match &overrides.config_file {
            Some(path) => Some(read_file_layer(path)?),
            None => match default_file.filter(|p| p.exists()) {
                Some(path) => Some(read_file_layer(&path)?),
                None => None,
            },
        };
        let env_layer = env_layer(env)?;

        let mut origins = BTreeMap::new();
        let mut builder = config::Config::builder();
        for (key, _, default, _) in KEYS {
            origins.insert(
                *key,
                if default.is_some() {
                    Origin::Default
                } else {
                    Origin::Unset
                },
            );
            if let Some(default) = default {
                builder = builder
                    .set_default(*key, default_value(*default))
                    .expect("static key");
            }
        }
        if let Some((path, values)) = &file {
            for (key, value) in values {
                builder = builder
                    .set_override(key.as_str(), value.clone())
                    .expect("checked key");
                origins.insert(known_key(key), Origin::File(path.clone()));
            }
        }
        for (key, name, value) in &env_layer {
            builder = builder
                .set_override(key.as_str(), value.as_str())
                .expect("checked key");
            origins.insert(known_key(key), Origin::Env(name.clone()));
        }
        if let Some(port) = overrides.port {
            builder = builder
                .set_override("server.port", port as i64)
                .expect("static key");
            origins.insert("server.port", Origin::Flag("--port"));
        }

        let merged = builder.build().map_err(|e| invalid_from(e, &origins))?;
        let raw: Raw = merged
            .try_deserialize()
            .map_err(|e| invalid_from(e, &origins))?;
        let data_dir = match &overrides.data_dir {
            Some(dir) => dir.clone(),
            None => env_value(env, "SMS_BRIDGE_DATA_DIR")
                .map(PathBuf::from)
                .or(default_data_dir)
                .ok_or(ConfigError::NoHome { what: "data" })?,
        };
        Config::check(raw, data_dir, file.map(|(path, _)| path), origins)
    }

    fn check(
        raw: Raw,
        data_dir: PathBuf,
        file: Option<PathBuf>,
        origins: BTreeMap<&'static str, Origin>,
    ) -> Result<Config, ConfigError> {
        let invalid = |key: &'static str, cause: String| ConfigError::Invalid {
            key: key.to_string(),
            source_name: origins[key].to_string(),
            cause,
        };

        let port = Port::new(raw.server.port).map_err(|e| invalid("server.port", e))?;
        let url = GatewayUrl::parse(&raw.gateway.url).map_err(|e| invalid("gateway.url", e))?;
        if raw.gateway.timeout_s == 0 || raw.gateway.connect_timeout_s == 0 {
            return Err(invalid(
                "gateway.timeout_s",
                "timeouts must be at least 1 s".into(),
            ));
        }
        if !(1..=32).contains(&raw.gateway.concurrency) {
            return Err(invalid(
                "gateway.concurrency",
                "use a number from 1 to 32".into(),
            ));
        }
        let country = raw.sms.default_country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            let cause = format!("{country:?} is not a two-letter country code such as DE or AT");
            return Err(invalid("sms.default_country", cause));
        }
        if raw.sms.max_recipients == 0 {
            return Err(invalid("sms.max_recipients", "must be at least 1".into()));
        }
        let store = match raw.credentials.store.as_str() {
            "os" => StoreKind::Os,
            "file" => StoreKind::File,
            other => {
                let cause = format!("{other:?} is not a store; use \"os\" or \"file\"");
                return Err(invalid("credentials.store", cause));
            }
        };
        let addin_id = AddinId::parse(&raw.manifest.id).map_err(|e| invalid("manifest.id", e))?;
        let client_id = raw.account.client_id.map(|id| id.trim().to_string());
        let client_id = client_id.filter(|id| !id.is_empty());

        Ok(Config {
            server: ServerSection { port },
            gateway: GatewaySection {
                url,
                ca_file: raw.gateway.ca_file,
                timeout_s: raw.gateway.timeout_s,
                connect_timeout_s: raw.gateway.connect_timeout_s,
                concurrency: raw.gateway.concurrency,
            },
            sms: SmsSection {
                sender_id: raw.sms.sender_id.filter(|s| !s.trim().is_empty()),
                default_country: country,
                service_code: raw.sms.service_code.trim().to_string(),
                max_recipients: raw.sms.max_recipients,
                store_text: raw.sms.store_text,
                retention_days: raw.sms.retention_days,
            },
            account: AccountSection {
                client_id,
                password: raw
                    .account
                    .password
                    .filter(|p| !p.is_empty())
                    .map(Into::into),
            },
            credentials: CredentialsSection { store },
            manifest: ManifestSection { id: addin_id },
            data_dir,
            file,
            origins,
        })
    }

    /// Where the value of `key` came from.
    pub fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Unset)
    }

    /// Every key with its effective value (secrets masked), meaning and origin, for
    /// `sms-bridge config`.
    pub fn describe(&self) -> Vec<(&'static str, String, &'static str, Origin)> {
        KEYS.iter()
            .map(|(key, _, _, meaning)| (*key, self.display_value(key), *meaning, self.origin(key)))
            .collect()
    }

    fn display_value(&self, key: &str) -> String {
        let optional = |v: Option<String>| v.unwrap_or_else(|| "(unset)".to_string());
        match key {
            "server.port" => self.server.port.to_string(),
            "gateway.url" => self.gateway.url.as_str().to_string(),
            "gateway.ca_file" => optional(self.gateway.ca_file.as_deref().map(path_text)),
            "gateway.timeout_s" => self.gateway.timeout_s.to_string(),
            "gateway.connect_timeout_s" => self.gateway.connect_timeout_s.to_string(),
            "gateway.concurrency" => self.gateway.concurrency.to_string(),
            "sms.sender_id" => optional(self.sms.sender_id.clone()),
            "sms.default_country" => self.sms.default_country.clone(),
            "sms.service_code" => self.sms.service_code.clone(),
            "sms.max_recipients" => self.sms.max_recipients.to_string(),
            "sms.store_text" => self.sms.store_text.to_string(),
            "sms.retention_days" => self.sms.retention_days.to_string(),
            "account.client_id" => optional(self.account.client_id.clone()),
            "account.password" => match self.account.password {
                Some(_) => "•••• (set; migrated into the key store, then remove it)".to_string(),
                None => "(unset)".to_string(),
            },
            "credentials.store" => match self.credentials.store {
                StoreKind::Os => "os".to_string(),
                StoreKind::File => "file".to_string(),
            },
            "manifest.id" => self.manifest.id.to_string(),
            _ => String::new(),
        }
    }
}

/// `config.toml` in the OS config dir (Linux `~/.config/sms-bridge/config.toml`).
pub fn default_config_file() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.config_dir().join("config.toml"))
}

/// The OS data dir (Linux `~/.local/share/sms-bridge`).
pub fn default_data_dir() -> Option<PathBuf> {
    project_dirs().map(|dirs| dirs.data_dir().to_path_buf())
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "sms-bridge")
}

fn path_text(path: &Path) -> String {
    path.display().to_string()
}

fn default_value(default: Default) -> Value {
    match default {
        Default::Int(n) => Value::from(n),
        Default::Str(s) => Value::from(s),
        Default::Bool(b) => Value::from(b),
    }
}

fn known_key(key: &str) -> &'static str {
    KEYS.iter()
        .map(|(k, ..)| *k)
        .find(|k| *k == key)
        .expect("key checked against KEYS")
}

fn kind_of(key: &str) -> Option<Kind> {
    KEYS.iter()
        .find(|(k, ..)| *k == key)
        .map(|(_, kind, ..)| *kind)
}

fn known_keys_text() -> String {
    KEYS.iter().map(|(k, ..)| *k).collect::<Vec<_>>().join(", ")
}

/// Reads one TOML file into flattened `section.key` values, refusing unknown keys.
fn read_file_layer(path: &Path) -> Result<(PathBuf, Vec<(String, Value)>), ConfigError> {
    let unreadable = |cause: String| ConfigError::Unreadable {
        path: path.to_path_buf(),
        cause,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| unreadable(format!("{e}; check the path given to --config")))?;
    let source = config::File::from_str(&text, config::FileFormat::Toml);
    let parsed = config::Config::builder()
        .add_source(source)
        .build()
        .map_err(|e| unreadable(format!("not valid TOML: {e}; fix the file")))?;
    let table: config::Map<String, Value> = parsed
        .try_deserialize()
        .map_err(|e| unreadable(format!("not valid TOML: {e}")))?;

    let mut values = Vec::new();
    flatten("", table, &mut values);
    for (key, value) in &values {
        let source_name = path.display().to_string();
        let Some(kind) = kind_of(key) else {
            return Err(ConfigError::UnknownKey {
                key: key.clone(),
                source_name,
                known: known_keys_text(),
            });
        };
        if !kind.accepts(key, &value.kind) {
            let cause = format!("{value} is not {}", kind.name());
            return Err(ConfigError::Invalid {
                key: key.clone(),
                source_name,
                cause,
            });
        }
    }
    Ok((path.to_path_buf(), values))
}

fn flatten(prefix: &str, table: config::Map<String, Value>, out: &mut Vec<(String, Value)>) {
    for (name, value) in table {
        let key = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}.{name}")
        };
        match value.kind {
            ValueKind::Table(inner) => flatten(&key, inner, out),
            _ => out.push((key, value)),
        }
    }
}

/// `SMS_BRIDGE_<SECTION>__<KEY>` variables as (key, variable name, value).
fn env_layer(env: &[(String, String)]) -> Result<Vec<(String, String, String)>, ConfigError> {
    let mut layer = Vec::new();
    for (name, value) in env {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        if ENV_NOT_KEYS.contains(&name.as_str()) {
            continue;
        }
        let key = rest.to_ascii_lowercase().replacen("__", ".", 1);
        let source_name = format!("environment variable {name}");
        let Some(kind) = kind_of(&key) else {
            return Err(ConfigError::UnknownKey {
                key,
                source_name,
                known: known_keys_text(),
            });
        };
        if !kind.parses(value) {
            let cause = format!("{value:?} is not {}", kind.name());
            return Err(ConfigError::Invalid {
                key,
                source_name,
                cause,
            });
        }
        layer.push((key, name.clone(), value.clone()));
    }
    Ok(layer)
}

fn env_value(env: &[(String, String)], name: &str) -> Option<String> {
    env.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty())
}

/// Turns a `config` crate error into one that names the key and where its value came from.
/// Types are checked per layer before merging, so this is reached only by values the
/// checks cannot see, such as a number too large for its field.
fn invalid_from(
    error: config::ConfigError,
    origins: &BTreeMap<&'static str, Origin>,
) -> ConfigError {
    let text = error.to_string();
    let key = KEYS
        .iter()
        .map(|(k, ..)| *k)
        .find(|k| text.contains(&format!("`{k}`")));
    ConfigError::Invalid {
        key: key.unwrap_or("(configuration)").to_string(),
        source_name: key
            .and_then(|k| origins.get(k))
            .map(Origin::to_string)
            .unwrap_or_default(),
        cause: match text.find(" for key") {
            Some(end) => text[..end].to_string(),
            None => text,
        },
    }
}
