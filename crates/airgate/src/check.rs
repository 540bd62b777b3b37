//! `airgate check`: is the configuration usable, and does every upstream offer what airgate
//! needs? Prints one line per finding and exits non-zero on any problem.
//!
//! Most IMAP servers list CONDSTORE, QRESYNC and NOTIFY only after login, and DAV homes are per
//! user, so with `--user` (password from AIRGATE_CHECK_PASSWORD or one line of stdin) the check
//! logs in; without it, it checks what a server says before login.

use std::process::ExitCode;

use gateway::Config;
use upstream::{
    Capability, DavClient, DavEndpoint, DavInfo, ImapClient, ImapEndpoint, SmtpClient,
    SmtpEndpoint, Timeouts, TlsConfig,
};

/// Without UIDPLUS airgate cannot expunge exactly the messages a device deleted.
const REQUIRED_IMAP: &[Capability] = &[Capability::Uidplus];
/// Used when present, with a slower fallback otherwise.
const WANTED_IMAP: &[Capability] = &[
    Capability::Qresync,
    Capability::Condstore,
    Capability::Idle,
    Capability::Notify,
    Capability::Move,
    Capability::SpecialUse,
];

#[derive(Default)]
struct Report {
    problems: usize,
}

impl Report {
    fn ok(&self, what: &str, msg: impl std::fmt::Display) {
        println!("ok       {what:<8} {msg}");
    }
    fn warn(&self, what: &str, msg: impl std::fmt::Display) {
        println!("warning  {what:<8} {msg}");
    }
    fn fail(&mut self, what: &str, msg: impl std::fmt::Display) {
        self.problems += 1;
        println!("PROBLEM  {what:<8} {msg}");
    }
}

pub struct Login {
    pub user: String,
    pub password: String,
}

pub fn run(config: Config, login: Option<Login>) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Runtime::new()?;
    let report = runtime.block_on(check(&config, login.as_ref()));
    if report.problems == 0 {
        println!("airgate check: no problems found");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "airgate check: {} problem(s); see the PROBLEM lines above",
            report.problems
        );
        Ok(ExitCode::FAILURE)
    }
}

async fn check(config: &Config, login: Option<&Login>) -> Report {
    let mut r = Report::default();
    r.ok(
        "config",
        format!(
            "listen {} , state in {}",
            config.listen,
            config.state_dir.display()
        ),
    );
    if let Err(e) = config.provision.policy.validate() {
        r.fail("policy", e);
    }
    match (&config.tls_cert, &config.tls_key) {
        (Some(c), Some(k)) => match gateway::tls_config(c, k) {
            Ok(_) => r.ok("tls", format!("certificate {}", c.display())),
            Err(e) => r.fail("tls", e),
        },
        (None, None) => r.warn(
            "tls",
            "no certificate: serving plain HTTP (fine on loopback or behind a TLS proxy)",
        ),
        _ => r.fail("tls", "tls_cert and tls_key go together"),
    }
    if config.email_domain.is_none() {
        r.warn(
            "config",
            "email_domain is not set: users who log in without @domain get their login as address",
        );
    }
    let tls = match TlsConfig::new(config.upstream_ca_file.as_deref()) {
        Ok(t) => t,
        Err(e) => {
            r.fail("tls", format!("upstream_ca_file: {e}"));
            return r;
        }
    };
    let timeouts = config.upstream_timeouts();
    check_imap(&mut r, config, &tls, timeouts, login).await;
    check_smtp(&mut r, config, &tls, timeouts).await;
    for (what, url, component) in [
        ("caldav", &config.caldav, "calendar"),
        ("carddav", &config.carddav, "address book"),
    ] {
        check_dav(
            &mut r,
            what,
            url.as_deref(),
            component,
            &tls,
            timeouts,
            login,
        )
        .await;
    }
    r
}

async fn check_imap(
    r: &mut Report,
    config: &Config,
    tls: &TlsConfig,
    t: Timeouts,
    login: Option<&Login>,
) {
    let Some(url) = config.imap.as_deref() else {
        r.fail("imap", "no IMAP server configured: set `imap` (--imap imap://host:143); logins are checked there");
        return;
    };
    let endpoint = match ImapEndpoint::parse(url) {
        Ok(e) => e,
        Err(e) => return r.fail("imap", e),
    };
    let client = ImapClient::new(endpoint, tls.clone(), t);
    let caps = match login {
        Some(l) => match client.login(&l.user, &l.password).await {
            Ok(session) => {
                let caps = session.capabilities().clone();
                r.ok(
                    "imap",
                    format!(
                        "{url}: logged in as {} ({})",
                        l.user,
                        tls_word(session.is_tls())
                    ),
                );
                let _ = session.logout().await;
                caps
            }
            Err(e) => return r.fail("imap", e),
        },
        None => match client.probe().await {
            Ok(probe) => {
                r.ok(
                    "imap",
                    format!("{url}: {} ({})", probe.greeting, tls_word(probe.tls)),
                );
                probe.capabilities
            }
            Err(e) => return r.fail("imap", e),
        },
    };
    let list = |set: &[Capability]| {
        set.iter()
            .map(|c| format!("{c} {}", if caps.has(*c) { "yes" } else { "NO" }))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "         imap     capabilities: {}; {}",
        list(REQUIRED_IMAP),
        list(WANTED_IMAP)
    );
    let missing = caps.missing(REQUIRED_IMAP);
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(ToString::to_string).collect();
        if login.is_some() {
            r.fail(
                "imap",
                format!(
                    "the server lacks {}; airgate needs it (Dovecot 2.3+ has it)",
                    names.join(", ")
                ),
            );
        } else {
            r.warn(
                "imap",
                format!(
                    "{} not listed before login; run with --user to check after login",
                    names.join(", ")
                ),
            );
        }
    }
    if login.is_some() {
        // How mail Sync finds what changed (design invariant 3).
        let (qresync, condstore) = (
            caps.has(Capability::Qresync),
            caps.has(Capability::Condstore),
        );
        let tracking = match (qresync, condstore) {
            (true, _) => "QRESYNC: new mail, flag changes and expunges without listing a folder",
            (false, true) => {
                "CONDSTORE without QRESYNC: flag changes without listing, but expunges are found \
                 by listing every UID of a folder that changed (slower for large folders)"
            }
            (false, false) => {
                "neither CONDSTORE nor QRESYNC: new and expunged mail is found by listing UIDs, \
                 and flag changes made elsewhere do not reach devices"
            }
        };
        if qresync {
            r.ok("imap", format!("mail sync: {tracking}"));
        } else {
            r.warn("imap", format!("mail sync: {tracking}"));
        }
    }
    let missing = caps.missing(WANTED_IMAP);
    if !missing.is_empty() && login.is_some() {
        let names: Vec<String> = missing.iter().map(ToString::to_string).collect();
        r.warn("imap", format!("without {} airgate uses slower fallbacks (for NOTIFY, Dovecot needs mailbox_list_index = yes)", names.join(", ")));
    }
}

async fn check_smtp(r: &mut Report, config: &Config, tls: &TlsConfig, t: Timeouts) {
    let Some(url) = config.smtp.as_deref() else {
        return r.warn(
            "smtp",
            "no SMTP server configured: devices cannot send mail",
        );
    };
    let endpoint = match SmtpEndpoint::parse(url) {
        Ok(e) => e,
        Err(e) => return r.fail("smtp", e),
    };
    match SmtpClient::new(endpoint, tls.clone(), t).probe().await {
        Ok(info) => {
            r.ok(
                "smtp",
                format!("{url}: {} ({})", info.greeting, tls_word(info.tls)),
            );
            println!(
                "         smtp     AUTH {}; SIZE {}",
                if info.auth_mechanisms.is_empty() {
                    "none".into()
                } else {
                    info.auth_mechanisms.join(" ")
                },
                info.size_limit
                    .map_or("not announced".into(), |s| s.to_string())
            );
            if info.auth_mechanisms.is_empty() {
                r.warn(
                    "smtp",
                    "the server offers no AUTH here; submission will fail if it requires login",
                );
            }
        }
        Err(e) => r.fail("smtp", e),
    }
}

async fn check_dav(
    r: &mut Report,
    what: &str,
    url: Option<&str>,
    component: &str,
    tls: &TlsConfig,
    t: Timeouts,
    login: Option<&Login>,
) {
    let Some(url) = url else {
        return r.warn(
            what,
            format!("no {what} server configured: no {component}s on devices"),
        );
    };
    let endpoint = match DavEndpoint::parse(url) {
        Ok(e) => e,
        Err(e) => return r.fail(what, e),
    };
    let client = match DavClient::new(endpoint, tls, t) {
        Ok(c) => c,
        Err(e) => return r.fail(what, e),
    };
    let Some(login) = login else {
        return r.ok(
            what,
            format!("{url}: configured (run with --user to look inside)"),
        );
    };
    match client.probe(&login.user, &login.password).await {
        Ok(info) => describe_dav(r, what, &info, component == "calendar"),
        Err(e) => r.fail(what, e),
    }
}

fn describe_dav(r: &mut Report, what: &str, info: &DavInfo, calendars: bool) {
    let found: Vec<_> = if calendars {
        info.calendars().collect()
    } else {
        info.address_books().collect()
    };
    if found.is_empty() {
        return r.warn(
            what,
            format!(
                "{}: no {} found",
                info.url,
                if calendars {
                    "calendars"
                } else {
                    "address books"
                }
            ),
        );
    }
    r.ok(what, format!("{}", info.url));
    for c in found {
        let name = c.display_name.as_deref().unwrap_or(c.href.as_str());
        let comps = if c.components.is_empty() {
            String::new()
        } else {
            format!(" [{}]", c.components.join(","))
        };
        println!(
            "         {what:<8} {name}{comps}: sync-collection {}",
            if c.sync_collection {
                "yes"
            } else {
                "no (slower ETag comparison)"
            }
        );
    }
}

fn tls_word(tls: bool) -> &'static str {
    if tls { "TLS" } else { "plaintext" }
}
