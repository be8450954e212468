//! Linux: the CA goes into the system store where this user may write it (curl, OpenSSL
//! and other system programs read it) and into the NSS databases Chromium and Firefox read
//! (they ignore the system store); autostart is a systemd user unit. Only the mechanics
//! live here; `mod.rs` runs and reports the steps.

use std::path::{Path, PathBuf};

use super::{CA_NAME, Cmd, Effect, Environment, Need, Probe, Step, tool};

const UNIT: &str = "sms-bridge.service";
const NSS_PACKAGE: &str = "libnss3-tools (Debian/Ubuntu) or nss-tools (Fedora)";

/// A system trust store layout: the anchors directory and the command that rebuilds the
/// bundle from it.
struct SystemStore {
    anchors: &'static str,
    file_name: &'static str,
    rebuild: &'static [&'static str],
    package: &'static str,
}

/// Layouts in the order they are tried; the first whose directory exists is used.
const SYSTEM_STORES: &[SystemStore] = &[
    SystemStore {
        anchors: "usr/local/share/ca-certificates",
        file_name: "sms-bridge-ca.crt",
        rebuild: &["update-ca-certificates"],
        package: "ca-certificates",
    },
    SystemStore {
        anchors: "etc/pki/ca-trust/source/anchors",
        file_name: "sms-bridge-ca.pem",
        rebuild: &["update-ca-trust", "extract"],
        package: "ca-certificates",
    },
];

pub fn trust_ca(env: &Environment) -> Vec<Step> {
    let mut steps = system_store_steps(env, true);
    for db in nss_databases(env) {
        steps.push(
            Step::new(
                format!("trust the local CA in the NSS database {}", db.display()),
                Probe::Succeeds(nss_list(&db)),
                vec![Effect::Run(
                    nss(&db, &["-A", "-t", "C,,", "-n", CA_NAME, "-i"])
                        .arg(env.ca_file().display()),
                )],
            )
            .needs(tool("certutil", NSS_PACKAGE)),
        );
    }
    steps
}

pub fn untrust_ca(env: &Environment) -> Vec<Step> {
    let mut steps: Vec<Step> = nss_databases(env)
        .into_iter()
        .map(|db| {
            Step::new(
                format!("remove the local CA from the NSS database {}", db.display()),
                Probe::Fails(nss_list(&db)),
                vec![Effect::Run(nss(&db, &["-D", "-n", CA_NAME]))],
            )
            .needs(tool("certutil", NSS_PACKAGE))
        })
        .collect();
    steps.extend(system_store_steps(env, false));
    steps
}

pub fn autostart(env: &Environment) -> Vec<Step> {
    let path = unit_path(env);
    let contents = unit_file(env).into_bytes();
    vec![
        Step::new(
            format!("write the systemd user unit {}", path.display()),
            Probe::FileHas {
                path: path.clone(),
                contents: contents.clone(),
            },
            vec![Effect::Write { path, contents }],
        ),
        Step::new(
            format!("start the bridge at login (systemctl --user enable {UNIT})"),
            Probe::Succeeds(systemctl(&["is-enabled", "--quiet", UNIT])),
            vec![
                Effect::Run(systemctl(&["daemon-reload"])),
                Effect::Run(systemctl(&["enable", UNIT])),
            ],
        )
        .needs(tool("systemctl", "systemd")),
    ]
}

pub fn remove_autostart(env: &Environment) -> Vec<Step> {
    let path = unit_path(env);
    vec![
        Step::new(
            format!("stop starting the bridge at login (systemctl --user disable {UNIT})"),
            Probe::Fails(systemctl(&["is-enabled", "--quiet", UNIT])),
            vec![Effect::Run(systemctl(&["disable", "--now", UNIT]))],
        )
        .needs(tool("systemctl", "systemd")),
        Step::new(
            format!("remove the systemd user unit {}", path.display()),
            Probe::Missing(path.clone()),
            vec![Effect::Remove(path)],
        ),
    ]
}

fn unit_path(env: &Environment) -> PathBuf {
    env.config_home.join("systemd").join("user").join(UNIT)
}

/// The unit that runs `sms-bridge serve` in the user's session.
fn unit_file(env: &Environment) -> String {
    let exec: Vec<String> = env.serve_command().iter().map(|a| unit_quote(a)).collect();
    format!(
        "# Written by `sms-bridge install`; `sms-bridge uninstall` removes it.\n\
         [Unit]\n\
         Description=sms-bridge: the Outlook SMS add-in's local HTTPS bridge\n\
         \n\
         [Service]\n\
         ExecStart={}\n\
         Restart=on-failure\n\
         RestartSec=10\n\
         \n\
         [Install]\n\
         WantedBy=default.target\n",
        exec.join(" ")
    )
}

/// One word of a unit's command line: quoted, with systemd's `%` and `$` expansions escaped.
fn unit_quote(word: &str) -> String {
    let escaped = word
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('%', "%%")
        .replace('$', "$$");
    format!("\"{escaped}\"")
}

fn systemctl(args: &[&str]) -> Cmd {
    let mut cmd = Cmd::new("systemctl", &["--user"]);
    cmd.args.extend(args.iter().map(|a| a.to_string()));
    cmd
}

/// Copy into (or remove from) the first system store layout present, then rebuild it.
fn system_store_steps(env: &Environment, install: bool) -> Vec<Step> {
    let Some(store) = SYSTEM_STORES
        .iter()
        .find(|s| env.system_root.join(s.anchors).is_dir())
    else {
        return Vec::new();
    };
    let anchors = env.system_root.join(store.anchors);
    let target = anchors.join(store.file_name);
    let rebuild = Cmd::new(store.rebuild[0], &store.rebuild[1..]);
    let (summary, probe, change, manual) = if install {
        (
            format!("trust the local CA system-wide ({})", target.display()),
            Probe::SameFile {
                from: env.ca_file(),
                to: target.clone(),
            },
            Effect::Copy {
                from: env.ca_file(),
                to: target.clone(),
            },
            format!("sudo cp {} {}", env.ca_file().display(), target.display()),
        )
    } else {
        (
            format!(
                "remove the local CA from the system store ({})",
                target.display()
            ),
            Probe::Missing(target.clone()),
            Effect::Remove(target.clone()),
            format!("sudo rm -f {}", target.display()),
        )
    };
    let mut step = Step::new(summary, probe, vec![change, Effect::Run(rebuild.clone())])
        .needs(tool(store.rebuild[0], store.package));
    if !writable(&anchors) {
        step = step.needs(Need::Privilege {
            reason: format!("{} is writable only by root", anchors.display()),
            manual: vec![manual, format!("sudo {rebuild}")],
        });
    }
    vec![step]
}

/// Whether this process may create files in `dir`.
fn writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(path) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `path` is a valid NUL-terminated string that outlives the call.
        unsafe { libc::access(path.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        !std::fs::metadata(dir).is_ok_and(|m| m.permissions().readonly())
    }
}

/// The NSS databases that exist: Chromium's, snap Chromium's and each Firefox profile.
/// Missing ones are left alone: a browser creates its database on first start, and
/// uninstall must not leave behind one that install created.
fn nss_databases(env: &Environment) -> Vec<PathBuf> {
    let home = &env.home;
    let mut dbs = vec![
        home.join(".pki/nssdb"),
        home.join("snap/chromium/current/.pki/nssdb"),
    ];
    for profiles in [
        home.join(".mozilla/firefox"),
        home.join("snap/firefox/common/.mozilla/firefox"),
    ] {
        let Ok(entries) = std::fs::read_dir(&profiles) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        found.sort();
        dbs.extend(found);
    }
    dbs.retain(|db| db.join("cert9.db").is_file());
    dbs
}

fn nss(db: &Path, args: &[&str]) -> Cmd {
    let mut cmd = Cmd::new("certutil", &["-d"]).arg(format!("sql:{}", db.display()));
    cmd.args.extend(args.iter().map(|a| a.to_string()));
    cmd
}

fn nss_list(db: &Path) -> Cmd {
    nss(db, &["-L", "-n", CA_NAME])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_words_are_quoted_and_systemd_expansions_escaped() {
        assert_eq!(
            unit_quote("/opt/my dir/sms-bridge"),
            "\"/opt/my dir/sms-bridge\""
        );
        assert_eq!(unit_quote("50%$x"), "\"50%%$$x\"");
    }
}
