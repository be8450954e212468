//! `install`/`uninstall` plans for all three OSes (planned here on whatever OS runs the
//! tests), and on Linux a real install and uninstall into a temporary HOME. The real run
//! never sees the machine's own stores: HOME, the config dir and the system-store root are
//! temporary directories, and `systemctl` is withheld so no user manager is touched.

use std::path::{Path, PathBuf};

use sms_bridge::install::{
    CA_NAME, Effect, Environment, Need, Os, Outcome, Probe, Step, Tools, carry_out, plan_install,
    plan_uninstall,
};

const MANIFEST: &str = "<OfficeApp/>\n";

fn environment(os: Os, home: &Path, tools: &[&str]) -> Environment {
    Environment {
        os,
        home: home.to_path_buf(),
        config_home: home.join(".config"),
        exe: home.join("bin/sms-bridge"),
        serve_args: vec!["--data-dir".into(), home.join("data").display().to_string()],
        data_dir: home.join("data"),
        tools: Tools::only(tools),
        system_root: home.join("system-root"),
        uid: 501,
    }
}

fn commands_of(steps: &[Step]) -> Vec<String> {
    steps.iter().flat_map(Step::commands).collect()
}

fn written(steps: &[Step]) -> Vec<PathBuf> {
    let paths = steps.iter().flat_map(|s| s.effects.iter());
    paths
        .filter_map(|e| match e {
            Effect::Write { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn windows_plan_trusts_the_user_root_store_and_adds_a_run_key() {
    let home = PathBuf::from(r"C:\Users\ana");
    let mut env = environment(Os::Windows, &home, &["certutil", "reg"]);
    env.exe = PathBuf::from(r"C:\Program Files\sms-bridge\sms-bridge.exe");
    let steps = plan_install(&env, MANIFEST);
    let commands = commands_of(&steps);

    assert!(
        commands[0].starts_with("certutil -user -addstore Root "),
        "{commands:?}"
    );
    assert!(commands[0].ends_with("ca.crt"));
    let run_key = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";
    assert!(commands[1].starts_with(&format!("reg add {run_key} /v sms-bridge /t REG_SZ")));
    assert!(commands[1].contains(r#"\"C:\Program Files\sms-bridge\sms-bridge.exe\" serve"#));
    assert!(commands[1].contains("--data-dir"));
    assert_eq!(steps.len(), 3);
    assert!(
        matches!(steps[0].needs[0], Need::File { .. }),
        "the CA comes first"
    );

    let undo = commands_of(&plan_uninstall(&env));
    assert_eq!(
        undo,
        [
            format!(r"reg delete {run_key} /v sms-bridge /f"),
            format!("certutil -user -delstore Root \"{CA_NAME}\""),
        ]
    );
}

#[test]
fn macos_plan_trusts_the_login_keychain_and_writes_a_launch_agent() {
    let home = PathBuf::from("/Users/ana");
    let env = environment(Os::Macos, &home, &["security", "launchctl"]);
    let steps = plan_install(&env, MANIFEST);
    let commands = commands_of(&steps);

    assert_eq!(
        commands[0],
        "security add-trusted-cert -r trustRoot -k \
         /Users/ana/Library/Keychains/login.keychain-db /Users/ana/data/tls/ca.crt"
    );
    let plist = PathBuf::from("/Users/ana/Library/LaunchAgents/local.sms-bridge.plist");
    assert_eq!(
        written(&steps),
        [plist.clone(), home.join("data/manifest.xml")]
    );
    assert_eq!(
        commands[1],
        format!("launchctl bootstrap gui/501 {}", plist.display())
    );
    let Effect::Write { contents, .. } = &steps[1].effects[0] else {
        panic!("the second step writes the agent");
    };
    let agent = String::from_utf8(contents.clone()).unwrap();
    assert!(agent.contains("<string>/Users/ana/bin/sms-bridge</string>\n    <string>serve"));
    assert!(agent.contains("<key>RunAtLoad</key>"));

    let undo = plan_uninstall(&env);
    assert_eq!(
        commands_of(&undo),
        [
            "launchctl bootout gui/501/local.sms-bridge".to_string(),
            format!(
                "security delete-certificate -c \"{CA_NAME}\" -t \
                 /Users/ana/Library/Keychains/login.keychain-db"
            ),
        ]
    );
    assert!(
        undo.iter()
            .any(|s| s.done_when == Probe::Missing(plist.clone()))
    );
}

#[test]
fn linux_plan_writes_a_user_unit_and_names_the_system_store_under_its_root() {
    let home = tempfile::tempdir().unwrap();
    let anchors = home
        .path()
        .join("system-root/usr/local/share/ca-certificates");
    std::fs::create_dir_all(&anchors).unwrap();
    let env = environment(Os::Linux, home.path(), &["systemctl"]);
    let steps = plan_install(&env, MANIFEST);

    let unit = home.path().join(".config/systemd/user/sms-bridge.service");
    assert_eq!(
        written(&steps),
        [unit, home.path().join("data/manifest.xml")]
    );
    let copies = steps[0]
        .effects
        .iter()
        .any(|e| matches!(e, Effect::Copy { to, .. } if to == &anchors.join("sms-bridge-ca.crt")));
    assert!(copies, "{:?}", steps[0]);
    let commands = commands_of(&steps);
    assert!(commands.contains(&"systemctl --user enable sms-bridge.service".to_string()));
    let Effect::Write { contents, .. } = &steps[1].effects[0] else {
        panic!("the second step writes the unit");
    };
    let unit_text = String::from_utf8(contents.clone()).unwrap();
    let exec = format!(
        "ExecStart=\"{}/bin/sms-bridge\" \"serve\"",
        home.path().display()
    );
    assert!(unit_text.contains(&exec), "{unit_text}");
    assert!(unit_text.contains("WantedBy=default.target"));
}

#[cfg(target_os = "linux")]
mod real_linux {
    //! Real files and a real `certutil`, all inside temporary directories.

    use super::*;
    use std::process::Command;

    fn certutil_available() -> bool {
        Command::new("certutil").arg("-H").output().is_ok()
    }

    fn write_ca(data_dir: &Path) {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Constrained(0));
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, CA_NAME);
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        let path = data_dir.join("tls/ca.crt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, cert.pem()).unwrap();
    }

    fn nss_has_ca(db: &Path) -> bool {
        Command::new("certutil")
            .arg("-d")
            .arg(format!("sql:{}", db.display()))
            .args(["-L", "-n", CA_NAME])
            .output()
            .unwrap()
            .status
            .success()
    }

    fn run_all(steps: &[Step], env: &Environment) -> Vec<Outcome> {
        steps.iter().map(|s| carry_out(s, env)).collect()
    }

    #[test]
    fn install_before_the_ca_exists_says_to_run_serve_first_and_still_writes_the_rest() {
        let home = tempfile::tempdir().unwrap();
        let env = environment(Os::Linux, home.path(), &[]);
        std::fs::create_dir_all(home.path().join(".pki/nssdb")).unwrap();
        std::fs::write(home.path().join(".pki/nssdb/cert9.db"), b"").unwrap();
        let steps = plan_install(&env, MANIFEST);
        let outcomes = run_all(&steps, &env);

        let Outcome::ByHand { reason, .. } = &outcomes[0] else {
            panic!("{outcomes:?}");
        };
        assert!(reason.contains("run `sms-bridge serve` once"), "{reason}");
        assert!(home.path().join("data/manifest.xml").is_file());
    }

    #[test]
    fn install_and_uninstall_in_a_temporary_home_are_exact_and_repeatable() {
        if !certutil_available() {
            panic!("certutil is missing: apt-get install libnss3-tools");
        }
        let home = tempfile::tempdir().unwrap();
        let env = environment(Os::Linux, home.path(), &["certutil"]);
        write_ca(&env.data_dir);
        let nssdb = home.path().join(".pki/nssdb");
        std::fs::create_dir_all(&nssdb).unwrap();
        let created = Command::new("certutil")
            .arg("-d")
            .arg(format!("sql:{}", nssdb.display()))
            .args(["-N", "--empty-password"])
            .status()
            .unwrap();
        assert!(created.success());
        let anchors = home
            .path()
            .join("system-root/usr/local/share/ca-certificates");
        std::fs::create_dir_all(&anchors).unwrap();
        let unit = home.path().join(".config/systemd/user/sms-bridge.service");

        let steps = plan_install(&env, MANIFEST);
        let first = run_all(&steps, &env);
        let summaries: Vec<&str> = steps.iter().map(|s| s.summary.as_str()).collect();
        assert_eq!(steps.len(), 5, "{summaries:?}");
        // System store: update-ca-certificates is withheld, so it is left to the user.
        assert!(matches!(&first[0], Outcome::ByHand { commands, .. }
            if commands == &["update-ca-certificates".to_string()]));
        assert!(!anchors.join("sms-bridge-ca.crt").exists());
        assert_eq!(first[1], Outcome::Done, "NSS: {:?}", first[1]);
        assert!(nss_has_ca(&nssdb));
        assert_eq!(first[2], Outcome::Done);
        assert!(unit.is_file());
        // systemctl is withheld: the exact command is reported instead.
        assert!(matches!(&first[3], Outcome::ByHand { commands, .. }
            if commands.contains(&"systemctl --user enable sms-bridge.service".to_string())));
        assert_eq!(first[4], Outcome::Done);

        let second = run_all(&plan_install(&env, MANIFEST), &env);
        assert_eq!(second[1..3], [Outcome::AlreadyDone, Outcome::AlreadyDone]);
        assert_eq!(second[4], Outcome::AlreadyDone);

        let undo = plan_uninstall(&env);
        let removed = run_all(&undo, &env);
        assert!(!nss_has_ca(&nssdb));
        assert!(!unit.exists());
        assert!(!env.data_dir.join("manifest.xml").exists());
        assert!(
            env.data_dir.join("tls/ca.crt").is_file(),
            "uninstall keeps the CA"
        );
        assert!(removed.contains(&Outcome::Done));

        let again = run_all(&plan_uninstall(&env), &env);
        let undone = [0, 2, 3, 4].map(|i| again[i].clone());
        assert_eq!(undone, [(); 4].map(|_| Outcome::AlreadyDone), "{again:?}");
    }
}
