//! `sms-bridge install` and `uninstall`: trust the local CA for the current user, start the
//! bridge at login, and write the manifest file the user (or an admin) adds to Outlook.
//!
//! The story is the same on every OS and lives here: a plan is a list of [`Step`]s built
//! from an [`Environment`] (home, executable, available tools), and each step is carried out
//! as check → act → re-check, reported as "already done", "done", or "by hand" with the
//! exact command when a tool or a permission is missing. `--dry-run` prints the plan and
//! changes nothing. The OS files (`linux.rs`, `macos.rs`, `windows.rs`) only say which
//! files and commands a step touches; they are compiled everywhere, so a test on Linux can
//! plan a Windows or macOS install. Nothing here downloads anything.

mod linux;
mod macos;
mod windows;

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use anyhow::Context;

use crate::cli::{GlobalArgs, InstallArgs};
use crate::config::Config;
use crate::fsutil::{Access, write_atomic};
use crate::manifest::{self, Format, ManifestSettings};

/// The CA's common name; trust stores list it under this name.
pub use crate::tls::CA_NAME;

/// The name autostart entries and trust-store copies go by.
const ENTRY_NAME: &str = "sms-bridge";

use crate::tls::ca_cert_path;

/// Where `install` writes the manifest for the user to add to Outlook.
pub fn manifest_path(data_dir: &Path) -> PathBuf {
    data_dir.join(Format::Xml.file_name())
}

/// The operating systems the plan knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Os {
    Linux,
    Macos,
    Windows,
}

impl Os {
    /// The OS this binary runs on, or `None` where install has no plan.
    pub fn current() -> Option<Os> {
        match std::env::consts::OS {
            "linux" => Some(Os::Linux),
            "macos" => Some(Os::Macos),
            "windows" => Some(Os::Windows),
            _ => None,
        }
    }
}

/// Which programs are on the PATH.
#[derive(Clone, Debug, Default)]
pub struct Tools(BTreeSet<String>);

impl Tools {
    /// Exactly these programs (tests).
    pub fn only(names: &[&str]) -> Tools {
        Tools(names.iter().map(|n| n.to_string()).collect())
    }

    /// Looks each name up on the PATH.
    pub fn find(names: &[&str]) -> Tools {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let found = names
            .iter()
            .filter(|name| std::env::split_paths(&path).any(|dir| is_program(&dir, name)))
            .map(|name| name.to_string());
        Tools(found.collect())
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains(name)
    }
}

fn is_program(dir: &Path, name: &str) -> bool {
    let plain = dir.join(name);
    let exe = dir.join(format!("{name}.exe"));
    plain.is_file() || (cfg!(windows) && exe.is_file())
}

/// Everything a plan depends on. Production code reads it from the running system
/// ([`Environment::detect`]); tests build one by hand.
#[derive(Clone, Debug)]
pub struct Environment {
    pub os: Os,
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME`, else `~/.config` (Linux only).
    pub config_home: PathBuf,
    /// The sms-bridge executable autostart runs.
    pub exe: PathBuf,
    /// Arguments after `serve` for autostart: the same `--data-dir`/`--config` as now.
    pub serve_args: Vec<String>,
    pub data_dir: PathBuf,
    pub tools: Tools,
    /// Prefix for system paths on Linux (`/`); tests point it at a temporary dir so the
    /// machine's own CA store is never touched.
    pub system_root: PathBuf,
    /// The user id (macOS names the login session's launchd domain by it).
    pub uid: u32,
}

impl Environment {
    /// The environment of this process for `config` and the global flags.
    pub fn detect(config: &Config, global: &GlobalArgs) -> anyhow::Result<Environment> {
        let os = Os::current().ok_or_else(|| {
            anyhow::anyhow!(
                "failed to plan the install: {} is not supported; trust {} by hand and start \
                 `sms-bridge serve` at login",
                std::env::consts::OS,
                ca_cert_path(&config.data_dir).display()
            )
        })?;
        let home = directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().to_path_buf())
            .context("failed to find the home directory; set HOME")?;
        let config_home = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .filter(|dir| dir.is_absolute())
            .unwrap_or_else(|| home.join(".config"));
        let exe = std::env::current_exe().context("failed to find the sms-bridge executable")?;
        Ok(Environment {
            os,
            home,
            config_home,
            exe,
            serve_args: serve_args(global)?,
            data_dir: std::path::absolute(&config.data_dir)
                .unwrap_or_else(|_| config.data_dir.clone()),
            tools: Tools::find(TOOLS),
            system_root: PathBuf::from("/"),
            uid: current_uid(),
        })
    }

    pub fn ca_file(&self) -> PathBuf {
        ca_cert_path(&self.data_dir)
    }

    /// The autostart command line: the executable, `serve` and the flags.
    pub fn serve_command(&self) -> Vec<String> {
        let mut command = vec![self.exe.display().to_string(), "serve".to_string()];
        command.extend(self.serve_args.iter().cloned());
        command
    }
}

/// Every program some plan may call.
const TOOLS: &[&str] = &[
    "certutil",
    "systemctl",
    "update-ca-certificates",
    "update-ca-trust",
    "security",
    "launchctl",
    "reg",
];

fn serve_args(global: &GlobalArgs) -> anyhow::Result<Vec<String>> {
    let mut args = Vec::new();
    let flags = [
        ("--data-dir", &global.data_dir),
        ("--config", &global.config),
    ];
    for (flag, value) in flags {
        if let Some(path) = value {
            let path = std::path::absolute(path)
                .with_context(|| format!("failed to resolve {flag} {}", path.display()))?;
            args.push(flag.to_string());
            args.push(path.display().to_string());
        }
    }
    Ok(args)
}

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn current_uid() -> u32 {
    0
}

/// One external command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmd {
    pub program: String,
    pub args: Vec<String>,
}

impl Cmd {
    pub fn new(program: &str, args: &[&str]) -> Cmd {
        Cmd {
            program: program.to_string(),
            args: args.iter().map(|a| a.to_string()).collect(),
        }
    }

    /// Appends one argument (paths and other owned values).
    pub fn arg(mut self, arg: impl fmt::Display) -> Cmd {
        self.args.push(arg.to_string());
        self
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&quote(&self.program))?;
        for arg in &self.args {
            write!(f, " {}", quote(arg))?;
        }
        Ok(())
    }
}

/// Quotes a word for display when it would not survive a shell as it is.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,\\@%+".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("\"{}\"", word.replace('"', "\\\""))
    }
}

/// What a step needs before it can act.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Need {
    /// A program on the PATH, and where it comes from.
    Tool { name: String, package: String },
    /// A file that another command creates first.
    File { path: PathBuf, hint: String },
    /// A permission this user lacks; the commands to run with it instead.
    Privilege { reason: String, manual: Vec<String> },
}

/// How to tell that a step is already done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The file exists with exactly these bytes.
    FileHas { path: PathBuf, contents: Vec<u8> },
    /// `to` is a copy of `from`.
    SameFile { from: PathBuf, to: PathBuf },
    /// Nothing is at this path.
    Missing(PathBuf),
    /// The command exits with 0.
    Succeeds(Cmd),
    /// The command exits with 0 and prints this text.
    Prints(Cmd, String),
    /// The command exits with anything but 0.
    Fails(Cmd),
    /// There is no cheap check; the step acts every time, which is harmless.
    Never,
}

/// One change a step makes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Write { path: PathBuf, contents: Vec<u8> },
    Copy { from: PathBuf, to: PathBuf },
    Remove(PathBuf),
    Run(Cmd),
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Effect::Write { path, .. } => write!(f, "write {}", path.display()),
            Effect::Copy { from, to } => write!(f, "copy {} to {}", from.display(), to.display()),
            Effect::Remove(path) => write!(f, "remove {}", path.display()),
            Effect::Run(cmd) => write!(f, "run {cmd}"),
        }
    }
}

/// One thing install or uninstall does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub summary: String,
    pub needs: Vec<Need>,
    pub done_when: Probe,
    pub effects: Vec<Effect>,
}

impl Step {
    pub fn new(summary: impl Into<String>, done_when: Probe, effects: Vec<Effect>) -> Step {
        Step {
            summary: summary.into(),
            needs: Vec::new(),
            done_when,
            effects,
        }
    }

    pub fn needs(mut self, need: Need) -> Step {
        self.needs.push(need);
        self
    }

    /// The commands this step runs, for a user who has to run them by hand.
    pub fn commands(&self) -> Vec<String> {
        self.effects
            .iter()
            .filter_map(|effect| match effect {
                Effect::Run(cmd) => Some(cmd.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// A tool need, with the package that brings it.
pub fn tool(name: &str, package: &str) -> Need {
    Need::Tool {
        name: name.to_string(),
        package: package.to_string(),
    }
}

/// The local CA must exist before any store can trust it.
fn ca_need(env: &Environment) -> Need {
    Need::File {
        path: env.ca_file(),
        hint: "the local CA does not exist yet: run `sms-bridge serve` once, then \
               `sms-bridge install` again"
            .to_string(),
    }
}

/// The steps of `install` for this environment, in order.
pub fn plan_install(env: &Environment, manifest_xml: &str) -> Vec<Step> {
    let mut steps = match env.os {
        Os::Linux => linux::trust_ca(env),
        Os::Macos => macos::trust_ca(env),
        Os::Windows => windows::trust_ca(env),
    };
    let ca = ca_need(env);
    for step in &mut steps {
        step.needs.insert(0, ca.clone());
    }
    steps.extend(match env.os {
        Os::Linux => linux::autostart(env),
        Os::Macos => macos::autostart(env),
        Os::Windows => windows::autostart(env),
    });
    let path = manifest_path(&env.data_dir);
    steps.push(Step::new(
        format!("write the add-in manifest to {}", path.display()),
        Probe::FileHas {
            path: path.clone(),
            contents: manifest_xml.as_bytes().to_vec(),
        },
        vec![Effect::Write {
            path,
            contents: manifest_xml.as_bytes().to_vec(),
        }],
    ));
    steps
}

/// The steps of `uninstall`: the reverse of install, each one harmless when already undone.
pub fn plan_uninstall(env: &Environment) -> Vec<Step> {
    let path = manifest_path(&env.data_dir);
    let mut steps = vec![Step::new(
        format!("remove the add-in manifest {}", path.display()),
        Probe::Missing(path.clone()),
        vec![Effect::Remove(path)],
    )];
    steps.extend(match env.os {
        Os::Linux => linux::remove_autostart(env),
        Os::Macos => macos::remove_autostart(env),
        Os::Windows => windows::remove_autostart(env),
    });
    steps.extend(match env.os {
        Os::Linux => linux::untrust_ca(env),
        Os::Macos => macos::untrust_ca(env),
        Os::Windows => windows::untrust_ca(env),
    });
    steps
}

/// How one step ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    AlreadyDone,
    Done,
    /// Not done; the reason and the commands to run by hand.
    ByHand {
        reason: String,
        commands: Vec<String>,
    },
    /// Acting failed; the cause and the commands to run by hand.
    Failed {
        cause: String,
        commands: Vec<String>,
    },
}

/// Carries out one step: check → act → re-check.
pub fn carry_out(step: &Step, env: &Environment) -> Outcome {
    // A check that reads files needs nothing, so a step already done reports so even
    // where its tools are missing; a check that runs a command waits for its tools.
    let runs_command = matches!(
        step.done_when,
        Probe::Succeeds(_) | Probe::Prints(..) | Probe::Fails(_)
    );
    if !runs_command && probe(&step.done_when) {
        return Outcome::AlreadyDone;
    }
    if let Some(outcome) = unmet(step, env) {
        return outcome;
    }
    if runs_command && probe(&step.done_when) {
        return Outcome::AlreadyDone;
    }
    for effect in &step.effects {
        if let Err(cause) = apply(effect) {
            return Outcome::Failed {
                cause,
                commands: step.commands(),
            };
        }
    }
    if step.done_when != Probe::Never && !probe(&step.done_when) {
        return Outcome::Failed {
            cause: "the change did not take effect (checked again afterwards)".to_string(),
            commands: step.commands(),
        };
    }
    Outcome::Done
}

/// The first need the environment does not meet, as the outcome to report.
fn unmet(step: &Step, env: &Environment) -> Option<Outcome> {
    step.needs.iter().find_map(|need| match need {
        Need::Tool { name, package } if !env.tools.has(name) => Some(Outcome::ByHand {
            reason: format!("`{name}` is not installed (it comes with {package})"),
            commands: step.commands(),
        }),
        Need::File { path, hint } if !path.is_file() => Some(Outcome::ByHand {
            reason: format!("{} is missing; {hint}", path.display()),
            commands: Vec::new(),
        }),
        Need::Privilege { reason, manual } => Some(Outcome::ByHand {
            reason: reason.clone(),
            commands: manual.clone(),
        }),
        _ => None,
    })
}

fn probe(check: &Probe) -> bool {
    match check {
        Probe::FileHas { path, contents } => std::fs::read(path).is_ok_and(|c| c == *contents),
        Probe::SameFile { from, to } => match (std::fs::read(from), std::fs::read(to)) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        },
        Probe::Missing(path) => std::fs::symlink_metadata(path).is_err(),
        Probe::Succeeds(cmd) => run(cmd).is_ok(),
        Probe::Prints(cmd, text) => run(cmd).is_ok_and(|out| out.contains(text.as_str())),
        Probe::Fails(cmd) => run(cmd).is_err(),
        Probe::Never => false,
    }
}

fn apply(effect: &Effect) -> Result<(), String> {
    let failed = |verb: &str, path: &Path, e: std::io::Error| {
        format!("failed to {verb} {}: {e}", path.display())
    };
    match effect {
        Effect::Write { path, contents } => {
            write_atomic(path, contents, Access::Public).map_err(|e| failed("write", path, e))
        }
        Effect::Copy { from, to } => {
            let bytes = std::fs::read(from).map_err(|e| failed("read", from, e))?;
            write_atomic(to, &bytes, Access::Public).map_err(|e| failed("write", to, e))
        }
        Effect::Remove(path) => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(failed("remove", path, e)),
            _ => Ok(()),
        },
        Effect::Run(cmd) => run(cmd).map(drop),
    }
}

/// Runs a command to its end; its stdout on success, else a message with program,
/// arguments, exit status and output.
fn run(cmd: &Cmd) -> Result<String, String> {
    let output = Process::new(&cmd.program)
        .args(&cmd.args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("failed to run {cmd}: {e}"))?;
    if output.status.success() {
        return Ok(String::from_utf8_lossy(&output.stdout).into_owned());
    }
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    Err(format!(
        "{cmd} exited with {}: {}",
        output.status,
        text.trim()
    ))
}

/// What a dry run says about one step, without running anything.
pub fn describe(step: &Step, env: &Environment) -> String {
    let mut text = format!("would {}", step.summary);
    for need in &step.needs {
        let line = match need {
            Need::Tool { name, package } if !env.tools.has(name) => {
                format!("needs `{name}`, which is not installed (it comes with {package})")
            }
            Need::Tool { name, .. } => format!("needs `{name}`"),
            Need::File { path, hint } if !path.is_file() => {
                format!("needs {}, which is missing; {hint}", path.display())
            }
            Need::File { path, .. } => format!("needs {}", path.display()),
            Need::Privilege { reason, manual } => {
                format!("{reason}; by hand: {}", manual.join(" && "))
            }
        };
        text.push_str(&format!("\n    {line}"));
    }
    for effect in &step.effects {
        text.push_str(&format!("\n    {effect}"));
    }
    text
}

/// The report line(s) for one finished step.
pub fn report(step: &Step, outcome: &Outcome) -> String {
    let commands = |commands: &[String]| {
        commands
            .iter()
            .map(|c| format!("\n    run: {c}"))
            .collect::<String>()
    };
    match outcome {
        Outcome::AlreadyDone => format!("already done: {}", step.summary),
        Outcome::Done => format!("done: {}", step.summary),
        Outcome::ByHand {
            reason,
            commands: c,
        } => {
            format!("by hand: {}\n    {reason}{}", step.summary, commands(c))
        }
        Outcome::Failed { cause, commands: c } => {
            format!("failed: {}\n    {cause}{}", step.summary, commands(c))
        }
    }
}

/// Runs every step (or describes it, for a dry run), printing one report per step. Returns
/// the outcomes; a dry run has none.
pub fn execute(steps: &[Step], env: &Environment, dry_run: bool) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for step in steps {
        if dry_run {
            println!("{}", describe(step, env));
            continue;
        }
        let outcome = carry_out(step, env);
        println!("{}", report(step, &outcome));
        outcomes.push(outcome);
    }
    if dry_run {
        println!("dry run: nothing was changed");
    }
    outcomes
}

fn finish(outcomes: &[Outcome], verb: &str) -> anyhow::Result<()> {
    let failed = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Failed { .. }))
        .count();
    if failed > 0 {
        anyhow::bail!("failed to {verb}: {failed} step(s) failed; see the commands above");
    }
    Ok(())
}

/// `sms-bridge install [--dry-run]`.
pub fn run_install(config: &Config, global: &GlobalArgs, args: InstallArgs) -> anyhow::Result<()> {
    let env = Environment::detect(config, global)?;
    let manifest = manifest::render(Format::Xml, &ManifestSettings::from_config(config));
    let outcomes = execute(&plan_install(&env, &manifest), &env, args.dry_run);
    if !args.dry_run {
        println!("\n{}", next_steps(&env, config));
    }
    finish(&outcomes, "install")
}

/// `sms-bridge uninstall [--dry-run]`.
pub fn run_uninstall(
    config: &Config,
    global: &GlobalArgs,
    args: InstallArgs,
) -> anyhow::Result<()> {
    let env = Environment::detect(config, global)?;
    let outcomes = execute(&plan_uninstall(&env), &env, args.dry_run);
    if !args.dry_run {
        println!(
            "\nRemove the add-in from Outlook too: Get Add-ins → My add-ins → Custom add-ins → \
             SMS Bridge → Remove."
        );
    }
    finish(&outcomes, "uninstall")
}

/// What the user and the admin do after install.
pub fn next_steps(env: &Environment, config: &Config) -> String {
    let manifest = manifest_path(&env.data_dir);
    let start = match env.os {
        Os::Linux => "systemctl --user start sms-bridge.service".to_string(),
        Os::Macos => "launchd started it already".to_string(),
        Os::Windows => Cmd {
            program: env.exe.display().to_string(),
            args: vec!["serve".to_string()],
        }
        .to_string(),
    };
    format!(
        "Next steps\n\
         \x20 The bridge starts at login (to start it now: {start}); check it with \
         `sms-bridge status`.\n\
         \x20 Add the add-in to Outlook yourself: Outlook → Get Add-ins → My add-ins → \
         Add a custom add-in → Add from file → {manifest}\n\
         \x20   (or open https://aka.ms/olksideload in a browser for the same dialog).\n\
         \x20 Admins deploying to many mailboxes: Microsoft 365 admin center → Settings → \
         Integrated apps → Upload custom apps → upload {manifest}.\n\
         \x20 The manifest points at https://localhost:{port}; every machine needs the bridge \
         on that port and its CA trusted.",
        manifest = manifest.display(),
        port = config.server.port,
    )
}
