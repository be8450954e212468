//! Linux: the kernel lists every TCP socket of this network namespace in `/proc/net/tcp`
//! (IPv4) and `/proc/net/tcp6` (IPv6), with the uid of the account that opened it. The
//! client's end of a loopback connection is the line whose own address is the peer's and
//! whose remote address is ours.
//!
//! A lookup costs a few milliseconds of kernel time however few sockets are open: the
//! kernel walks its whole connection hash table to print the file. The netlink
//! `sock_diag` interface could find one socket directly, at the price of more unsafe code.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::Origin;

const TCP4: &str = "/proc/net/tcp";
const TCP6: &str = "/proc/net/tcp6";

/// Compares the owner of the client's socket with the bridge's own effective uid. Root
/// counts as another user unless the bridge runs as root; `peer.rs` says why.
pub fn origin(peer: SocketAddr, local: SocketAddr) -> Origin {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let own = unsafe { libc::geteuid() };
    match owner_of(peer, local) {
        Ok(Some(uid)) if uid == own => Origin::OwnUser,
        Ok(Some(uid)) => Origin::OtherUser(format!("uid {uid}")),
        Ok(None) => Origin::Unknown(format!(
            "no process holds the socket {peer} -> {local} in {TCP4} or {TCP6}"
        )),
        Err(error) => Origin::Unknown(error.to_string()),
    }
}

/// The uid that owns the client's end of the connection `peer` -> `local`, or `None` when
/// no table lists it or no process holds it any more (a closed socket keeps its line for
/// a while, with inode 0 and uid 0).
pub fn owner_of(peer: SocketAddr, local: SocketAddr) -> io::Result<Option<u32>> {
    let wanted = (canonical(peer), canonical(local));
    // An IPv4 client's socket is in the IPv4 table, unless the client used an IPv6
    // socket with IPv4-mapped addresses; an IPv6 client's is only in the IPv6 table.
    let tables: &[&str] = if wanted.0.is_ipv4() {
        &[TCP4, TCP6]
    } else {
        &[TCP6]
    };
    for table in tables {
        if let Some(entry) = find(table, wanted)? {
            return Ok((entry.inode != 0).then_some(entry.uid));
        }
    }
    Ok(None)
}

fn find(table: &str, (peer, local): (SocketAddr, SocketAddr)) -> io::Result<Option<Entry>> {
    // Only lines with the peer's port need parsing; the port is printed the same on
    // every machine.
    let port = format!(":{:04X} ", peer.port());
    let file = File::open(table).map_err(|e| read_error(table, e))?;
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| read_error(table, e))?;
        if !line.contains(&port) {
            continue;
        }
        // The heading is the only line that does not parse.
        let Some(entry) = Entry::parse(&line) else {
            continue;
        };
        if entry.local == peer && entry.remote == local {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

fn read_error(table: &str, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("failed to read {table}: {error}"))
}

/// One socket as a line of `/proc/net/tcp` or `tcp6` lists it.
#[derive(Debug, PartialEq, Eq)]
struct Entry {
    local: SocketAddr,
    remote: SocketAddr,
    uid: u32,
    /// 0 once no process holds the socket.
    inode: u64,
}

impl Entry {
    /// Reads `sl local remote st tx:rx tr:when retrnsmt uid timeout inode …`.
    fn parse(line: &str) -> Option<Entry> {
        let fields: Vec<&str> = line.split_whitespace().take(10).collect();
        let [_, local, remote, _, _, _, _, uid, _, inode] = fields[..] else {
            return None;
        };
        Some(Entry {
            local: socket_addr(local)?,
            remote: socket_addr(remote)?,
            uid: uid.parse().ok()?,
            inode: inode.parse().ok()?,
        })
    }
}

/// `0100007F:1F90`: the address as the kernel stores it, printed as 32-bit words in the
/// machine's byte order; the port in hex. IPv4-mapped addresses become IPv4.
fn socket_addr(text: &str) -> Option<SocketAddr> {
    let (address, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let mut bytes = Vec::with_capacity(16);
    for word in address.as_bytes().chunks(8) {
        let word = u32::from_str_radix(std::str::from_utf8(word).ok()?, 16).ok()?;
        bytes.extend_from_slice(&word.to_ne_bytes());
    }
    let ip = match address.len() {
        8 => IpAddr::from(Ipv4Addr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        32 => IpAddr::from(Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => return None,
    };
    Some(canonical(SocketAddr::new(ip, port)))
}

fn canonical(address: SocketAddr) -> SocketAddr {
    SocketAddr::new(address.ip().to_canonical(), address.port())
}

// The sample lines come from an x86-64 machine, which prints the words little-endian.
#[cfg(all(test, target_endian = "little"))]
mod tests {
    use super::*;

    fn addr(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_ipv4_client_line_gives_both_ends_and_the_uid() {
        let line = "   7: 0100007F:9D88 0100007F:E419 01 00000000:00000000 00:00000000 \
                    00000000 65534        0 324308 2 0000000024c93d58 20 0 0 10 -1";
        let entry = Entry::parse(line).unwrap();
        assert_eq!(entry.local, addr("127.0.0.1:40328"));
        assert_eq!(entry.remote, addr("127.0.0.1:58393"));
        assert_eq!(entry.uid, 65534);
        assert_eq!(entry.inode, 324308);
    }

    #[test]
    fn an_ipv6_loopback_line_reads_each_word_in_machine_order() {
        let line = "   5: 00000000000000000000000001000000:D204 \
                    00000000000000000000000001000000:A4AD 01 00000000:00000000 \
                    00:00000000 00000000 65534        0 324305 2 000000003c2939f4 20 0 0 10 -1";
        let entry = Entry::parse(line).unwrap();
        assert_eq!(entry.local, addr("[::1]:53764"));
        assert_eq!(entry.remote, addr("[::1]:42157"));
        assert_eq!(entry.uid, 65534);
    }

    #[test]
    fn an_ipv4_mapped_line_compares_as_ipv4() {
        let line = "   3: 0000000000000000FFFF00000100007F:E148 \
                    0000000000000000FFFF00000100007F:A4AD 01 00000000:00000000 \
                    00:00000000 00000000 65534        0 324307 2 000000003df0c3ff 20 0 0 10 -1";
        let entry = Entry::parse(line).unwrap();
        assert_eq!(entry.local, addr("127.0.0.1:57672"));
        assert_eq!(entry.remote, addr("127.0.0.1:42157"));
    }

    #[test]
    fn a_listening_socket_and_a_root_line_parse_too() {
        let line = "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 \
                    00000000     0        0 1255 1 000000003a659fd4 100 0 0 10 0";
        let entry = Entry::parse(line).unwrap();
        assert_eq!(entry.local, addr("0.0.0.0:2024"));
        assert_eq!(entry.remote, addr("0.0.0.0:0"));
        assert_eq!((entry.uid, entry.inode), (0, 1255));
    }

    #[test]
    fn headings_and_damaged_lines_are_no_entries() {
        let heading = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when \
                       retrnsmt   uid  timeout inode";
        assert_eq!(Entry::parse(heading), None);
        assert_eq!(Entry::parse("   7: 0100007F:9D88 0100007F"), None);
        assert_eq!(socket_addr("0100007F"), None);
        assert_eq!(socket_addr("0100007:9D88"), None);
        assert_eq!(socket_addr("0100007G:9D88"), None);
        assert_eq!(socket_addr("0100007F:19D88"), None);
    }

    #[test]
    fn this_processs_own_loopback_connections_are_found_with_its_uid() {
        assert_own_connection_is_found("127.0.0.1:0");
        // A machine without IPv6 on loopback has nothing to look up there.
        if std::net::TcpListener::bind("[::1]:0").is_ok() {
            assert_own_connection_is_found("[::1]:0");
        }
    }

    fn assert_own_connection_is_found(listen: &str) {
        let listener = std::net::TcpListener::bind(listen).unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (_server_end, peer) = listener.accept().unwrap();
        let local = listener.local_addr().unwrap();

        assert_eq!(peer, client.local_addr().unwrap());
        // SAFETY: geteuid has no preconditions and cannot fail.
        let own = unsafe { libc::geteuid() };
        assert_eq!(owner_of(peer, local).unwrap(), Some(own));
        assert_eq!(origin(peer, local), Origin::OwnUser);

        let nobody = SocketAddr::new(peer.ip(), peer.port().wrapping_add(1));
        assert_eq!(owner_of(nobody, local).unwrap(), None);
    }
}
