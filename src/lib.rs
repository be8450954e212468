//! sms-bridge: a local HTTPS bridge between the Outlook task pane and the LOX24 SMS API.
//!
//! The binary in `main.rs` only parses the command line and picks an exit code; every
//! command lives in the modules below so that tests can drive them in-process too.

pub mod cli;
pub mod config;
pub mod fsutil;
pub mod logging;
pub mod phone;
pub mod sender;
pub mod server;
pub mod sms;
pub mod tls;
