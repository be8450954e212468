//! Which account of this computer a loopback connection comes from, so that the bridge
//! serves only the user it runs as. The check itself is in
//! [`access::user_guard`](super::access::user_guard); the OS files (`peer/linux.rs`) only
//! find the owner of the client's socket, with the same function on each OS.
//!
//! Root counts as another user unless the bridge runs as root. Root could read the data
//! dir and take the key anyway, but no program of root's needs this user's bridge, and a
//! system service that fetches addresses on others' behalf would otherwise hand them the
//! page token.
//!
//! Nothing is cached: the same address and port belong to a different program once a
//! connection closes, and the bridge takes one request per connection anyway.
//!
//! On Windows and macOS the bridge cannot tell which user a loopback connection comes
//! from, so it serves every account; on a computer several people use at once, such as a
//! terminal server, another user can read the page token and send SMS with this user's
//! key. On Windows the owner could be found through `GetExtendedTcpTable` (the owning
//! process) and that process's token.

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "linux")]
pub use linux::origin;

/// Where a connection comes from, as far as the OS tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A program of the user the bridge runs as.
    OwnUser,
    /// A program of another account, named for the log (e.g. `uid 1001`).
    OtherUser(String),
    /// The OS could have told, but the lookup failed; why, for the log.
    Unknown(String),
    /// This OS gives the bridge no way to tell.
    Unsupported,
}

/// Whether this OS lets the bridge tell its own user's connections from others'.
pub const CAN_TELL_USERS: bool = cfg!(target_os = "linux");

/// Other systems cannot say who opened a loopback connection; see the module doc.
#[cfg(not(target_os = "linux"))]
pub fn origin(_peer: std::net::SocketAddr, _local: std::net::SocketAddr) -> Origin {
    Origin::Unsupported
}
