//! Readings of a process from `/proc`: CPU time, resident memory, open files and its TCP
//! connections.

use std::collections::HashSet;

/// CPU seconds (user + system) a process used so far, with those of its children that ended
/// and were waited for when `children` is set; 0 when it is gone.
pub fn cpu_seconds(pid: u32, children: bool) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces) in parentheses: utime, stime,
    // cutime and cstime are fields 14 to 17, at 11 to 14 here.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let which: &[usize] = if children {
        &[11, 12, 13, 14]
    } else {
        &[11, 12]
    };
    let ticks: f64 = which
        .iter()
        .filter_map(|i| fields.get(*i).and_then(|v| v.parse::<f64>().ok()))
        .sum();
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A `kB` field of `/proc/PID/status` (`VmRSS`, `VmHWM`, ...), in KiB; 0 when missing.
pub fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| {
            let rest = l.strip_prefix(field)?.strip_prefix(':')?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

/// Resident memory (`VmRSS`) in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    status_kib(pid, "VmRSS")
}

/// Open file descriptors of a process.
pub fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// The socket inodes among a process's open files.
fn socket_inodes(pid: u32) -> HashSet<u64> {
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return HashSet::new();
    };
    dir.filter_map(|e| {
        let target = std::fs::read_link(e.ok()?.path()).ok()?;
        let t = target.to_str()?;
        t.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
    })
    .collect()
}

/// The process's established TCP connections whose remote port is `port` (IPv4 and IPv6):
/// the sockets of `/proc/PID/net/tcp{,6}` in state 01 whose inode is one of its open files.
pub fn established_to_port(pid: u32, port: u16) -> usize {
    let mine = socket_inodes(pid);
    let mut n = 0;
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap_or_default();
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            let (Some(remote), Some(state), Some(inode)) = (f.get(2), f.get(3), f.get(9)) else {
                continue;
            };
            let remote_port = remote
                .rsplit_once(':')
                .and_then(|(_, p)| u16::from_str_radix(p, 16).ok());
            if *state == "01"
                && remote_port == Some(port)
                && inode.parse::<u64>().is_ok_and(|i| mine.contains(&i))
            {
                n += 1;
            }
        }
    }
    n
}

/// The processes whose title (the first word of their command line) is `title`: Dovecot titles
/// its processes `dovecot-INSTANCE/imap`, `dovecot-INSTANCE/imap-login`, ... How many, and
/// their summed `VmRSS` in KiB.
pub fn processes_titled(title: &str) -> (usize, u64) {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return (0, 0);
    };
    let mut count = 0;
    let mut rss = 0;
    for pid in dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok()) {
        let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) else {
            continue;
        };
        let text = String::from_utf8_lossy(&cmdline);
        let first = text
            .split(|c: char| c == '\0' || c.is_whitespace())
            .next()
            .unwrap_or("");
        if first == title {
            count += 1;
            rss += rss_kib(pid);
        }
    }
    (count, rss)
}
