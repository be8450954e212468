//! The shell wrapper in installer/: shellcheck finds nothing, and it runs the binary's
//! dry-run install (with a temporary HOME and data dir, so the plan is built for an empty home).

use std::path::Path;
use std::process::Command;

fn script() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("installer/install.sh")
}

#[test]
fn shellcheck_finds_nothing_in_the_shell_wrapper() {
    let output = Command::new("shellcheck")
        .arg(script())
        .output()
        .unwrap_or_else(|e| panic!("failed to run shellcheck ({e}); apt-get install shellcheck"));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "shellcheck:\n{report}");
}

#[test]
fn the_shell_wrapper_runs_the_binary_on_the_path_with_its_arguments() {
    let home = tempfile::tempdir().unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_sms-bridge"))
        .parent()
        .unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let output = Command::new("sh")
        .arg(script())
        .arg("--dry-run")
        .env("PATH", path)
        .env("HOME", home.path())
        .env("SMS_BRIDGE_DATA_DIR", home.path().join("data"))
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(stdout.contains("dry run: nothing was changed"), "{stdout}");
    assert!(!home.path().join("data/manifest.xml").exists());
}
