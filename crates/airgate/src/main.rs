//! The airgate command line: `serve`, `check`, `devices`, `wbxml`.

mod check;
mod config;
mod wbxml_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{ArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "airgate",
    version,
    about = "Exchange ActiveSync in front of IMAP, CalDAV, CardDAV and SMTP"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Serve Exchange ActiveSync.
    Serve(ConfigArgs),
    /// Validate the configuration and check every upstream; exits non-zero on a problem.
    Check {
        /// Log in as this user to check what servers offer after login (password from
        /// AIRGATE_CHECK_PASSWORD, or one line of stdin).
        #[arg(long)]
        user: Option<String>,
        #[command(flatten)]
        config: ConfigArgs,
    },
    /// List the devices in the state store.
    Devices(ConfigArgs),
    /// Convert between WBXML and its XML form (MS-ASWBXML), for debugging.
    Wbxml {
        #[command(subcommand)]
        action: WbxmlAction,
    },
}

#[derive(Subcommand)]
enum WbxmlAction {
    /// Read WBXML (a file, or `-` / nothing for stdin) and print its XML form.
    Decode { file: Option<PathBuf> },
    /// Read the XML form (a file, or `-` / nothing for stdin) and write WBXML to stdout.
    Encode { file: Option<PathBuf> },
}

/// `--config` plus one flag per configuration key; see `config.rs`.
#[derive(Clone, Debug)]
struct ConfigArgs(ArgMatches);

impl clap::FromArgMatches for ConfigArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        Ok(ConfigArgs(m.clone()))
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        self.0 = m.clone();
        Ok(())
    }
}

impl clap::Args for ConfigArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.args(config::args())
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.args(config::args())
    }
}

fn main() -> ExitCode {
    // One TLS provider for the whole process, whatever a dependency might enable.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Serve(args) => config::load(&args.0).and_then(serve),
        Cmd::Check { user, config } => config::load(&config.0)
            .and_then(|c| Ok((c, check_login(user)?)))
            .and_then(|(c, login)| check::run(c, login)),
        Cmd::Devices(args) => config::load(&args.0).and_then(list_devices),
        Cmd::Wbxml {
            action: WbxmlAction::Decode { file },
        } => wbxml_cmd::decode(file),
        Cmd::Wbxml {
            action: WbxmlAction::Encode { file },
        } => wbxml_cmd::encode(file),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("airgate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_login(user: Option<String>) -> anyhow::Result<Option<check::Login>> {
    let Some(user) = user else { return Ok(None) };
    let password = match std::env::var("AIRGATE_CHECK_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    Ok(Some(check::Login { user, password }))
}

fn init_logging(config: &gateway::Config) -> anyhow::Result<()> {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log.level)
        .map_err(|e| anyhow::anyhow!("log.level {:?}: {e}", config.log.level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match config.log.format {
        gateway::LogFormat::Text => builder.init(),
        gateway::LogFormat::Json => builder.json().init(),
    }
    Ok(())
}

fn serve(config: gateway::Config) -> anyhow::Result<ExitCode> {
    init_logging(&config)?;
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let shutdown = tokio_util::sync::CancellationToken::new();
        let server = gateway::Server::bind(config).await?;
        println!("airgate listening on {}", server.url());
        let stop = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutting down");
            stop.cancel();
        });
        server.run(shutdown).await?;
        Ok(ExitCode::SUCCESS)
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}

fn list_devices(config: gateway::Config) -> anyhow::Result<ExitCode> {
    let store = state::Store::open_dir_read_only(&config.state_dir).map_err(|e| {
        anyhow::Error::new(e).context(format!(
            "no readable state store in {}",
            config.state_dir.display()
        ))
    })?;
    let devices = store.all_devices()?;
    println!(
        "{:<24} {:<32} {:<14} {:<20} {:<17} {:<11}",
        "USER", "DEVICE ID", "TYPE", "MODEL", "LAST SEEN (UTC)", "PROVISIONED"
    );
    for d in devices {
        println!(
            "{:<24} {:<32} {:<14} {:<20} {:<17} {:<11}",
            d.user,
            d.device_id,
            d.device_type,
            d.information.model.as_deref().unwrap_or("-"),
            utc_minute(d.last_seen),
            if d.policy_key().is_some() {
                "yes"
            } else {
                "no"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `YYYY-MM-DD HH:MM` for Unix seconds (days-to-civil after H. Hinnant's algorithm).
fn utc_minute(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_seconds_render_as_a_utc_minute() {
        assert_eq!(super::utc_minute(0), "1970-01-01 00:00");
        assert_eq!(super::utc_minute(951_782_400), "2000-02-29 00:00");
        assert_eq!(super::utc_minute(1_795_333_700), "2026-11-22 07:48");
    }
}
