//! macOS: the CA becomes a trusted root in the user's login keychain (Outlook's WKWebView
//! and Safari read it; so do Chrome and Edge); autostart is a LaunchAgent in
//! `~/Library/LaunchAgents`. Only the mechanics live here; `mod.rs` runs and reports.
//!
//! Changing the keychain's trust settings asks for the user's password in a dialog, once
//! per install and once per uninstall.

use std::path::PathBuf;

use super::{CA_NAME, Cmd, ENTRY_NAME, Effect, Environment, Probe, Step, tool};

/// The tools below ship with macOS; the package named is where they come from.
const SYSTEM: &str = "macOS itself";

pub fn trust_ca(env: &Environment) -> Vec<Step> {
    let add = Cmd::new("security", &["add-trusted-cert", "-r", "trustRoot", "-k"])
        .arg(keychain(env).display())
        .arg(env.ca_file().display());
    vec![
        Step::new(
            "trust the local CA in the login keychain",
            Probe::Succeeds(
                Cmd::new("security", &["verify-cert", "-c"]).arg(env.ca_file().display()),
            ),
            vec![Effect::Run(add)],
        )
        .needs(tool("security", SYSTEM)),
    ]
}

pub fn untrust_ca(env: &Environment) -> Vec<Step> {
    let find =
        Cmd::new("security", &["find-certificate", "-c", CA_NAME]).arg(keychain(env).display());
    let delete = Cmd::new("security", &["delete-certificate", "-c", CA_NAME, "-t"])
        .arg(keychain(env).display());
    vec![
        Step::new(
            "remove the local CA and its trust setting from the login keychain",
            Probe::Fails(find),
            vec![Effect::Run(delete)],
        )
        .needs(tool("security", SYSTEM)),
    ]
}

pub fn autostart(env: &Environment) -> Vec<Step> {
    let path = plist_path(env);
    let contents = plist(env).into_bytes();
    let bootstrap = Cmd::new("launchctl", &["bootstrap"])
        .arg(domain(env))
        .arg(path.display());
    vec![
        Step::new(
            format!("write the LaunchAgent {}", path.display()),
            Probe::FileHas {
                path: path.clone(),
                contents: contents.clone(),
            },
            vec![Effect::Write { path, contents }],
        ),
        Step::new(
            format!(
                "start the bridge at login (launchctl bootstrap {})",
                domain(env)
            ),
            Probe::Succeeds(Cmd::new("launchctl", &["print"]).arg(service(env))),
            vec![Effect::Run(bootstrap)],
        )
        .needs(tool("launchctl", SYSTEM)),
    ]
}

pub fn remove_autostart(env: &Environment) -> Vec<Step> {
    let path = plist_path(env);
    vec![
        Step::new(
            format!(
                "stop starting the bridge at login (launchctl bootout {})",
                service(env)
            ),
            Probe::Fails(Cmd::new("launchctl", &["print"]).arg(service(env))),
            vec![Effect::Run(
                Cmd::new("launchctl", &["bootout"]).arg(service(env)),
            )],
        )
        .needs(tool("launchctl", SYSTEM)),
        Step::new(
            format!("remove the LaunchAgent {}", path.display()),
            Probe::Missing(path.clone()),
            vec![Effect::Remove(path)],
        ),
    ]
}

fn keychain(env: &Environment) -> PathBuf {
    env.home.join("Library/Keychains/login.keychain-db")
}

fn label() -> String {
    format!("local.{ENTRY_NAME}")
}

/// The launchd domain of the user's login session.
fn domain(env: &Environment) -> String {
    format!("gui/{}", env.uid)
}

fn service(env: &Environment) -> String {
    format!("{}/{}", domain(env), label())
}

fn plist_path(env: &Environment) -> PathBuf {
    env.home
        .join("Library/LaunchAgents")
        .join(format!("{}.plist", label()))
}

/// The agent: run `sms-bridge serve` at login and again if it stops with an error.
fn plist(env: &Environment) -> String {
    let arguments: String = env
        .serve_command()
        .iter()
        .map(|a| format!("    <string>{}</string>\n", xml_escape(a)))
        .collect();
    let log = xml_escape(&env.data_dir.join("serve.log").display().to_string());
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \
         \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n\
         <!-- Written by `sms-bridge install`; `sms-bridge uninstall` removes it. -->\n\
         <plist version=\"1.0\">\n\
         <dict>\n\
         \x20 <key>Label</key>\n\
         \x20 <string>{label}</string>\n\
         \x20 <key>ProgramArguments</key>\n\
         \x20 <array>\n\
         {arguments}\
         \x20 </array>\n\
         \x20 <key>RunAtLoad</key>\n\
         \x20 <true/>\n\
         \x20 <key>KeepAlive</key>\n\
         \x20 <dict>\n\
         \x20   <key>SuccessfulExit</key>\n\
         \x20   <false/>\n\
         \x20 </dict>\n\
         \x20 <key>StandardErrorPath</key>\n\
         \x20 <string>{log}</string>\n\
         </dict>\n\
         </plist>\n",
        label = label(),
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
