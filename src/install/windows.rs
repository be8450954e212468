//! Windows: the CA goes into the current user's Trusted Root store (Outlook's WebView2,
//! Edge and Chrome read it); autostart is a value in the per-user Run key. Only the
//! mechanics live here; `mod.rs` runs and reports.
//!
//! Adding a root to the user's store makes Windows show a security warning that the user
//! must confirm; without that click the step fails and reports the command to run again.

use super::{CA_NAME, Cmd, ENTRY_NAME, Effect, Environment, Probe, Step, tool};

const RUN_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";
const SYSTEM: &str = "Windows itself";

pub fn trust_ca(env: &Environment) -> Vec<Step> {
    let ca = env.ca_file().display().to_string();
    vec![
        Step::new(
            "trust the local CA in the current user's Trusted Root store",
            Probe::Succeeds(Cmd::new(
                "certutil",
                &["-user", "-verifystore", "Root", CA_NAME],
            )),
            vec![Effect::Run(Cmd::new(
                "certutil",
                &["-user", "-addstore", "Root", &ca],
            ))],
        )
        .needs(tool("certutil", SYSTEM)),
    ]
}

pub fn untrust_ca(_env: &Environment) -> Vec<Step> {
    vec![
        Step::new(
            "remove the local CA from the current user's Trusted Root store",
            Probe::Fails(Cmd::new(
                "certutil",
                &["-user", "-verifystore", "Root", CA_NAME],
            )),
            vec![Effect::Run(Cmd::new(
                "certutil",
                &["-user", "-delstore", "Root", CA_NAME],
            ))],
        )
        .needs(tool("certutil", SYSTEM)),
    ]
}

pub fn autostart(env: &Environment) -> Vec<Step> {
    let data = command_line(&env.serve_command());
    let add = Cmd::new(
        "reg",
        &[
            "add", RUN_KEY, "/v", ENTRY_NAME, "/t", "REG_SZ", "/d", &data, "/f",
        ],
    );
    vec![
        Step::new(
            format!("start the bridge at login ({RUN_KEY}\\{ENTRY_NAME})"),
            Probe::Prints(query(), data.clone()),
            vec![Effect::Run(add)],
        )
        .needs(tool("reg", SYSTEM)),
    ]
}

pub fn remove_autostart(_env: &Environment) -> Vec<Step> {
    vec![
        Step::new(
            format!("stop starting the bridge at login ({RUN_KEY}\\{ENTRY_NAME})"),
            Probe::Fails(query()),
            vec![Effect::Run(Cmd::new(
                "reg",
                &["delete", RUN_KEY, "/v", ENTRY_NAME, "/f"],
            ))],
        )
        .needs(tool("reg", SYSTEM)),
    ]
}

fn query() -> Cmd {
    Cmd::new("reg", &["query", RUN_KEY, "/v", ENTRY_NAME])
}

/// A Windows command line: each word in double quotes when it has a space or a quote.
fn command_line(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            if w.contains([' ', '\t', '"']) {
                format!("\"{}\"", w.replace('"', "\\\""))
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
