//! `airgate wbxml decode|encode`: WBXML <-> the XML form of MS-ASWBXML.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

fn read_input(file: Option<PathBuf>) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    match file {
        Some(path) if path.as_os_str() != "-" => {
            buf = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?
        }
        _ => {
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read stdin")?;
        }
    }
    Ok(buf)
}

pub fn decode(file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let bytes = read_input(file)?;
    let root = wbxml::decode(&bytes).context("not a valid EAS WBXML document")?;
    let mut out = std::io::stdout().lock();
    out.write_all(wbxml::xml::to_xml(&root).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

pub fn encode(file: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let bytes = read_input(file)?;
    let text = String::from_utf8(bytes).context("the XML form must be UTF-8")?;
    let root = wbxml::xml::from_xml(&text).context("not a valid XML form of an EAS document")?;
    let mut out = std::io::stdout().lock();
    out.write_all(&wbxml::encode(&root))?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
