//! Configuration loading: defaults, then the TOML file, then `AIRGATE_*` variables, then flags.
//!
//! Every key of the file is also a flag and a variable, derived from the key's dotted path:
//! `auth.cache_seconds` is `--auth-cache-seconds` and `AIRGATE_AUTH_CACHE_SECONDS`. The list of
//! keys comes from the configuration's own defaults, so a new key cannot be forgotten here.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Arg, ArgMatches};
use gateway::Config;
use toml::Value;

/// Keys whose default is "unset" and so do not appear in the serialized defaults.
const OPTIONAL_KEYS: &[(&str, Kind)] = &[
    ("tls_cert", Kind::String),
    ("tls_key", Kind::String),
    ("email_domain", Kind::String),
    ("imap", Kind::String),
    ("smtp", Kind::String),
    ("caldav", Kind::String),
    ("carddav", Kind::String),
    ("upstream_ca_file", Kind::String),
    ("metrics_listen", Kind::String),
    ("provision.policy.min_device_password_length", Kind::Integer),
    (
        "provision.policy.max_inactivity_time_device_lock",
        Kind::Integer,
    ),
    (
        "provision.policy.max_device_password_failed_attempts",
        Kind::Integer,
    ),
    ("provision.policy.max_attachment_size", Kind::Integer),
    ("provision.policy.device_password_expiration", Kind::Integer),
    (
        "provision.policy.max_email_body_truncation_size",
        Kind::Integer,
    ),
    (
        "provision.policy.max_email_html_body_truncation_size",
        Kind::Integer,
    ),
];

/// One configuration key: its dotted path and the TOML type of its value.
#[derive(Clone, Debug)]
pub struct Key {
    pub path: String,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    String,
    Integer,
    Boolean,
    Float,
    /// A list of strings; as a flag or variable, comma-separated.
    List,
}

impl Key {
    pub fn flag(&self) -> String {
        self.path.replace(['.', '_'], "-")
    }

    pub fn env(&self) -> String {
        format!("AIRGATE_{}", self.path.replace('.', "_").to_uppercase())
    }

    fn parse(&self, raw: &str) -> anyhow::Result<Value> {
        let bad = || {
            format!(
                "--{} (or {}): {raw:?} is not a {:?}",
                self.flag(),
                self.env(),
                self.kind
            )
        };
        Ok(match self.kind {
            Kind::String => Value::String(raw.to_owned()),
            Kind::Integer => Value::Integer(raw.trim().parse().with_context(bad)?),
            Kind::Float => Value::Float(raw.trim().parse().with_context(bad)?),
            Kind::List => Value::Array(
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ),
            Kind::Boolean => Value::Boolean(match raw.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => true,
                "false" | "no" | "off" | "0" => false,
                _ => bail!(bad()),
            }),
        })
    }
}

/// Every key of the configuration, in file order.
pub fn keys() -> Vec<Key> {
    let mut out = Vec::new();
    let defaults = Value::try_from(Config::default()).unwrap_or(Value::Table(Default::default()));
    collect(&defaults, "", &mut out);
    for &(path, kind) in OPTIONAL_KEYS {
        if !out.iter().any(|k| k.path == path) {
            out.push(Key {
                path: path.to_owned(),
                kind,
            });
        }
    }
    out
}

fn collect(value: &Value, prefix: &str, out: &mut Vec<Key>) {
    if let Value::Table(t) = value {
        for (name, v) in t {
            let path = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            let kind = match v {
                Value::Table(_) => {
                    collect(v, &path, out);
                    continue;
                }
                Value::Integer(_) => Kind::Integer,
                Value::Boolean(_) => Kind::Boolean,
                Value::Float(_) => Kind::Float,
                Value::Array(_) => Kind::List,
                _ => Kind::String,
            };
            out.push(Key { path, kind });
        }
    }
}

/// The clap arguments: `--config` and one per key.
pub fn args() -> Vec<Arg> {
    let mut args = vec![
        Arg::new("config")
            .long("config")
            .short('c')
            .env("AIRGATE_CONFIG")
            .value_name("FILE")
            .value_parser(clap::value_parser!(PathBuf))
            .help("The TOML configuration file (docs/configuration.md)"),
    ];
    for key in keys() {
        args.push(
            Arg::new(key.path.clone())
                .long(key.flag())
                .env(key.env())
                .value_name("VALUE")
                .help(format!("configuration key `{}`", key.path))
                .help_heading("Configuration keys (each also AIRGATE_<KEY>)"),
        );
    }
    args
}

/// Builds the configuration from the file named by `--config` (if any) and the keys given as
/// flags or variables.
pub fn load(matches: &ArgMatches) -> anyhow::Result<Config> {
    let mut doc = match matches.get_one::<PathBuf>("config") {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read configuration file {}", path.display()))?;
            text.parse::<toml::Table>()
                .with_context(|| format!("{} is not valid TOML", path.display()))?
        }
        None => toml::Table::new(),
    };
    for key in keys() {
        if let Some(raw) = matches.get_one::<String>(&key.path) {
            set(&mut doc, &key.path, key.parse(raw)?)?;
        }
    }
    Config::deserialize(Value::Table(doc)).context("invalid configuration")
}

fn set(doc: &mut toml::Table, path: &str, value: Value) -> anyhow::Result<()> {
    let mut table = doc;
    let mut parts = path.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            table.insert(part.to_owned(), value);
            return Ok(());
        }
        let entry = table
            .entry(part.to_owned())
            .or_insert_with(|| Value::Table(Default::default()));
        table = match entry {
            Value::Table(t) => t,
            _ => bail!("configuration key {part} is not a section"),
        };
    }
    Ok(())
}

use serde::Deserialize as _;

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(argv: &[&str]) -> ArgMatches {
        clap::Command::new("t")
            .args(args())
            .try_get_matches_from(argv)
            .unwrap()
    }

    #[test]
    fn flags_are_derived_from_key_paths() {
        let k = keys()
            .into_iter()
            .find(|k| k.path == "auth.cache_seconds")
            .unwrap();
        assert_eq!(k.flag(), "auth-cache-seconds");
        assert_eq!(k.env(), "AIRGATE_AUTH_CACHE_SECONDS");
    }

    #[test]
    fn flags_override_defaults_with_typed_values() {
        let c = load(&matches(&[
            "t",
            "--listen",
            "127.0.0.1:9999",
            "--imap",
            "imap://127.0.0.1:1143",
            "--auth-cache-seconds",
            "5",
            "--provision-required",
            "false",
        ]))
        .unwrap();
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.imap.as_deref(), Some("imap://127.0.0.1:1143"));
        assert_eq!(c.auth.cache_seconds, 5);
        assert!(!c.provision.required);
    }

    #[test]
    fn a_flag_with_a_value_of_the_wrong_type_is_an_error() {
        assert!(load(&matches(&["t", "--auth-cache-seconds", "soon"])).is_err());
    }

    #[test]
    fn the_example_file_sets_every_key_and_nothing_else() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/airgate.example.toml"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let doc: Value = text.parse::<toml::Table>().map(Value::Table).unwrap();
        let mut in_file = Vec::new();
        collect(&doc, "", &mut in_file);
        let mut in_file: Vec<_> = in_file.into_iter().map(|k| k.path).collect();
        let mut known: Vec<_> = keys().into_iter().map(|k| k.path).collect();
        in_file.sort();
        known.sort();
        assert_eq!(in_file, known);
        Config::deserialize(doc).unwrap();
    }

    #[test]
    fn every_key_is_documented() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/configuration.md");
        let text = std::fs::read_to_string(path).unwrap();
        for key in keys() {
            assert!(
                text.contains(&format!("`{}`", key.path)),
                "{} is not documented",
                key.path
            );
        }
    }
}
