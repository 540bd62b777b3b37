//! A minimal HTTP/1.1 client connection: one TCP connection, one request at a time, kept
//! alive between requests and opened again when the server closed it. For load tools that
//! must hold exactly one socket per simulated device with little memory each (a
//! connection pool would share sockets between devices; a client per device costs far more
//! than the socket).
//!
//! Requests carry `Content-Length`; responses are read by `Content-Length`, chunked, or to
//! the end of the connection.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Read buffer per connection: small, since there may be ten thousand of them; bodies larger
/// than this are read straight into the response.
const READ_BUFFER: usize = 1024;

/// One response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// One client connection to `addr`.
pub struct Conn {
    addr: SocketAddr,
    host: String,
    stream: Option<BufReader<TcpStream>>,
    /// TCP connections opened so far (1 when the server never closed one).
    pub connects: u32,
}

impl Conn {
    /// A connection to `addr`, opened by the first request. `host` is the `Host` header.
    pub fn new(addr: SocketAddr, host: &str) -> Conn {
        Conn {
            addr,
            host: host.to_owned(),
            stream: None,
            connects: 0,
        }
    }

    /// `http://HOST:PORT/...` split into the address and the path with its query.
    pub fn parse_url(url: &str) -> io::Result<(SocketAddr, String, String)> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| io::Error::other(format!("not an http:// URL: {url}")))?;
        let (host, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let addr = host
            .parse::<SocketAddr>()
            .map_err(|e| io::Error::other(format!("{host}: {e}")))?;
        Ok((addr, host.to_owned(), path.to_owned()))
    }

    /// Whether a TCP connection is open now.
    pub fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Sends one request and reads its whole response. A kept-alive connection that the server
    /// closed before answering is opened again and the request sent once more.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> io::Result<Response> {
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n",
            self.host,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let reused = self.stream.is_some();
        match self.exchange(head.as_bytes(), body).await {
            Ok(r) => Ok(r),
            Err(e) if reused && is_stale(&e) => {
                self.stream = None;
                self.exchange(head.as_bytes(), body).await
            }
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    async fn exchange(&mut self, head: &[u8], body: &[u8]) -> io::Result<Response> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.addr).await?;
            s.set_nodelay(true)?;
            self.connects += 1;
            self.stream = Some(BufReader::with_capacity(READ_BUFFER, s));
        }
        let stream = self.stream.as_mut().expect("connected above");
        {
            let w = stream.get_mut();
            if body.len() <= 4096 {
                let mut all = Vec::with_capacity(head.len() + body.len());
                all.extend_from_slice(head);
                all.extend_from_slice(body);
                w.write_all(&all).await?;
            } else {
                w.write_all(head).await?;
                w.write_all(body).await?;
            }
        }
        let (resp, keep) = read_response(stream).await?;
        if !keep {
            self.stream = None;
        }
        Ok(resp)
    }
}

/// The error of a request on a kept-alive connection the server had closed meanwhile.
fn is_stale(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionAborted
    )
}

async fn read_line(r: &mut BufReader<TcpStream>, line: &mut String) -> io::Result<()> {
    line.clear();
    let n = r.read_line(line).await?;
    if n == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    if !line.ends_with('\n') {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(())
}

/// Reads one response; also whether the connection may be used again.
async fn read_response(r: &mut BufReader<TcpStream>) -> io::Result<(Response, bool)> {
    let mut line = String::new();
    read_line(r, &mut line).await?;
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let mut length: Option<usize> = None;
    let mut chunked = false;
    let mut keep = !line.starts_with("HTTP/1.0");
    loop {
        read_line(r, &mut line).await?;
        if line.is_empty() {
            break;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().ok();
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            let v = value.to_ascii_lowercase();
            if v.contains("close") {
                keep = false;
            } else if v.contains("keep-alive") {
                keep = true;
            }
        }
    }
    let mut body = Vec::new();
    if (100..200).contains(&status) || status == 204 || status == 304 {
        // No body.
    } else if chunked {
        loop {
            read_line(r, &mut line).await?;
            let size = usize::from_str_radix(line.split(';').next().unwrap_or("").trim(), 16)
                .map_err(|_| io::Error::other(format!("bad chunk size {line:?}")))?;
            if size == 0 {
                // Trailers, then the empty line.
                loop {
                    read_line(r, &mut line).await?;
                    if line.is_empty() {
                        break;
                    }
                }
                break;
            }
            let at = body.len();
            body.resize(at + size, 0);
            r.read_exact(&mut body[at..]).await?;
            read_line(r, &mut line).await?;
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        r.read_exact(&mut body).await?;
    } else {
        r.read_to_end(&mut body).await?;
        keep = false;
    }
    Ok((Response { status, body }, keep))
}
