//! sms-bridge: a local HTTPS bridge between the Outlook task pane and the LOX24 SMS API.
//!
//! The binary in `main.rs` only parses the command line and picks an exit code; every
//! command lives in the modules below so that tests can drive them in-process too.

pub mod bridge;
pub mod cli;
pub mod clock;
pub mod compose;
pub mod config;
pub mod fsutil;
pub mod gateway;
pub mod guard;
pub mod history;
pub mod install;
pub mod journal;
pub mod keys;
pub mod logging;
pub mod manifest;
pub mod phone;
pub mod sandbox;
pub mod send;
pub mod send_command;
pub mod sender;
pub mod server;
pub mod simulator;
pub mod sms;
pub mod status;
pub mod tls;
