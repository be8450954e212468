//! The add-in manifests: the XML manifest every Outlook client installs and the unified
//! Microsoft 365 JSON manifest, rendered from the templates in `manifest/` (compiled into
//! the binary) for the configured port and add-in id. The server serves the XML one at
//! `/manifest.xml`; `sms-bridge manifest` prints or writes either. This module does not
//! serve anything and knows nothing about installing; see `install` for that.
//!
//! Version: Outlook keeps a cached copy of a manifest until its version changes, so the
//! version is derived from what is rendered. The first parts are the bridge's release
//! (`CARGO_PKG_VERSION`); the last is a hash of the rendered text, so a different port or
//! id gives a different version within one release. The XML form is
//! `MAJOR.MINOR.PATCH.HASH`; the unified manifest allows three parts, so it is
//! `MAJOR.MINOR.HASH` with the patch release folded into the hash. A hash is different,
//! not always greater: within one release a changed port can give a lower number.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::config::{AddinId, Config, Port};
use crate::fsutil::{Access, write_atomic};

const XML_TEMPLATE: &str = include_str!("../manifest/manifest.xml");
const JSON_TEMPLATE: &str = include_str!("../manifest/manifest.json");

/// The last version part is at most five digits in both manifest formats.
const REVISIONS: u64 = 100_000;

/// Which manifest to render.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The XML add-in manifest: installable on every Outlook client.
    #[default]
    Xml,
    /// The unified Microsoft 365 manifest (new Outlook, web, classic Windows; not Mac).
    Json,
}

impl Format {
    /// The file name Outlook and the admin center expect.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Xml => "manifest.xml",
            Format::Json => "manifest.json",
        }
    }

    /// The `Content-Type` to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "application/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }
}

/// What varies between rendered manifests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestSettings {
    /// The bridge's port: every URL in the manifest is `https://localhost:PORT/…`.
    pub port: Port,
    /// The add-in's product id (`manifest.id`).
    pub id: AddinId,
}

impl ManifestSettings {
    pub fn from_config(config: &Config) -> ManifestSettings {
        ManifestSettings {
            port: config.server.port,
            id: config.manifest.id.clone(),
        }
    }

    /// `https://localhost:PORT`, the origin of every page, icon and API call.
    pub fn origin(&self) -> String {
        format!("https://localhost:{}", self.port)
    }
}

/// The manifest text for these settings.
pub fn render(format: Format, settings: &ManifestSettings) -> String {
    render_with_version(format, settings).0
}

/// The version a rendered manifest carries (see the module documentation).
pub fn version(format: Format, settings: &ManifestSettings) -> String {
    render_with_version(format, settings).1
}

fn render_with_version(format: Format, settings: &ManifestSettings) -> (String, String) {
    let template = match format {
        Format::Xml => XML_TEMPLATE,
        Format::Json => JSON_TEMPLATE,
    };
    let text = template
        .replace("{{ORIGIN}}", &settings.origin())
        .replace("{{ID}}", settings.id.as_str());

    let revision = fnv1a(&[env!("CARGO_PKG_VERSION").as_bytes(), text.as_bytes()]) % REVISIONS;
    let major = env!("CARGO_PKG_VERSION_MAJOR");
    let minor = env!("CARGO_PKG_VERSION_MINOR");
    let version = match format {
        Format::Xml => format!(
            "{major}.{minor}.{}.{revision}",
            env!("CARGO_PKG_VERSION_PATCH")
        ),
        Format::Json => format!("{major}.{minor}.{revision}"),
    };
    (text.replace("{{VERSION}}", &version), version)
}

/// 64-bit FNV-1a: tiny and fixed by its definition, so a version never changes between
/// builds or Rust releases for the same text (unlike the standard library's hasher).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in parts.iter().flat_map(|part| part.iter()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// `sms-bridge manifest`: the manifest on stdout, or written atomically to `out`.
pub fn run_command(config: &Config, format: Format, out: Option<&Path>) -> anyhow::Result<()> {
    let settings = ManifestSettings::from_config(config);
    let (text, version) = render_with_version(format, &settings);
    match out {
        None => std::io::stdout()
            .write_all(text.as_bytes())
            .context("failed to write the manifest to stdout"),
        Some(path) => {
            write_atomic(path, text.as_bytes(), Access::Public)
                .with_context(|| format!("failed to write manifest {}", path.display()))?;
            println!(
                "wrote {} (version {version}, {})",
                path.display(),
                settings.origin()
            );
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(port: i64) -> ManifestSettings {
        ManifestSettings {
            port: Port::new(port).unwrap(),
            id: AddinId::parse(crate::config::DEFAULT_ADDIN_ID).unwrap(),
        }
    }

    #[test]
    fn every_placeholder_is_filled_in_both_formats() {
        for format in [Format::Xml, Format::Json] {
            let text = render(format, &settings(27443));
            assert!(!text.contains("{{"), "{format:?} left a placeholder");
            assert!(text.contains("https://localhost:27443/taskpane.html"));
        }
    }

    #[test]
    fn the_version_changes_with_the_port_and_is_stable_for_the_same_settings() {
        let first = version(Format::Xml, &settings(27443));
        assert_eq!(first, version(Format::Xml, &settings(27443)));
        assert_ne!(first, version(Format::Xml, &settings(27444)));
        assert_ne!(
            version(Format::Json, &settings(27443)),
            version(Format::Json, &settings(27444))
        );
    }

    #[test]
    fn versions_have_the_shape_each_format_allows() {
        let xml = version(Format::Xml, &settings(27443));
        let json = version(Format::Json, &settings(27443));
        let parts = |v: &str| v.split('.').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(parts(&xml).len(), 4);
        assert_eq!(parts(&json).len(), 3);
        for part in parts(&xml).iter().chain(parts(&json).iter()) {
            assert!(
                part.len() <= 5 && part.bytes().all(|b| b.is_ascii_digit()),
                "{part}"
            );
        }
    }

    #[test]
    fn addin_ids_are_normalised_and_the_nil_or_malformed_ones_refused() {
        let braced = AddinId::parse("{FABEBB64-BF8D-454B-81B0-8F55F485CB12}").unwrap();
        assert_eq!(braced.as_str(), crate::config::DEFAULT_ADDIN_ID);
        assert!(AddinId::parse("00000000-0000-0000-0000-000000000000").is_err());
        assert!(AddinId::parse("sms-bridge").is_err());
    }

    #[test]
    fn the_json_manifest_parses_and_names_the_configured_id() {
        let text = render(Format::Json, &settings(40001));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["id"], crate::config::DEFAULT_ADDIN_ID);
        assert_eq!(value["validDomains"][0], "https://localhost:40001");
    }
}
