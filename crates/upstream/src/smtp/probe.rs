//! `airgate check`: what the server offers.

use super::{SmtpClient, SmtpError, SmtpInfo};
use crate::net::{Failure, within};

impl SmtpClient {
    /// Connects, EHLO, STARTTLS where the endpoint asks for it (and EHLO
    /// again), QUIT.
    pub async fn probe(&self) -> Result<SmtpInfo, SmtpError> {
        self.run_probe()
            .await
            .map_err(|failure| SmtpError::Unavailable {
                server: self.endpoint.to_string(),
                failure,
            })
    }

    async fn run_probe(&self) -> Result<SmtpInfo, Failure> {
        let mut opened = self.open().await?;
        let _ = within(self.timeouts.response, "QUIT", opened.conn.command("QUIT")).await;
        let ehlo = opened.ehlo;
        Ok(SmtpInfo {
            greeting: opened.greeting.text(),
            tls: opened.conn.io.get_ref().is_tls(),
            starttls_offered: opened.starttls_offered,
            auth_mechanisms: ehlo.auth_mechanisms(),
            size_limit: ehlo.size_limit(),
            extensions: ehlo.lines.into_iter().skip(1).collect(),
        })
    }
}
