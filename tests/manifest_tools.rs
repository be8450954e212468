//! Microsoft's own tools on our manifests, offline: the converter turns the rendered XML
//! manifest into a unified JSON manifest, and that and our own JSON manifest must pass the
//! schema shipped in @microsoft/app-manifest (see tests/manifest-tools/check.js). The
//! manifests come from the built binary's `manifest --out`, so the command is tested too.
//!
//! Needs Node.js and `npm ci --prefix tests/manifest-tools`; without them this test fails
//! and says so, rather than passing without checking anything.

use std::path::Path;
use std::process::Command;

const INSTALL: &str = "npm ci --prefix tests/manifest-tools";

fn render(data_dir: &Path, format: &str, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_sms-bridge"))
        .args(["--data-dir"])
        .arg(data_dir)
        .args(["manifest", "--format", format, "--out"])
        .arg(out)
        .env("SMS_BRIDGE_SERVER__PORT", "40555")
        .env_remove("SMS_BRIDGE_CONFIG")
        .status()
        .unwrap();
    assert!(
        status.success(),
        "sms-bridge manifest --format {format} failed"
    );
    let text = std::fs::read_to_string(out).unwrap();
    assert!(text.contains("https://localhost:40555/taskpane.html"));
}

#[test]
fn microsofts_converter_and_schema_accept_both_manifests() {
    let tools = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifest-tools");
    let modules = tools.join("node_modules/office-addin-manifest-converter");
    assert!(
        modules.is_dir(),
        "the manifest tools are not installed; run `{INSTALL}` (needs Node.js 18 or newer)"
    );

    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("manifest.xml");
    let json = dir.path().join("manifest.json");
    render(dir.path(), "xml", &xml);
    render(dir.path(), "json", &json);

    let output = Command::new("node")
        .arg(tools.join("check.js"))
        .arg(&xml)
        .arg(&json)
        .output()
        .unwrap_or_else(|e| panic!("failed to run node ({e}); install Node.js, then `{INSTALL}`"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check.js failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("schema-valid"), "{stdout}");
}
