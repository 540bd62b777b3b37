//! Synthetic mail: a deterministic mix of plain, HTML-only, multipart/alternative and
//! multipart/mixed (with an attachment) messages of 2-50 KB, with CRLF line ends, realistic
//! headers and flags.

/// A small deterministic generator (SplitMix64): the same seed gives the same mailbox.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The kinds of message in the mix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Plain,
    Html,
    Alternative,
    WithAttachment,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Plain => "text/plain",
            Kind::Html => "text/html",
            Kind::Alternative => "multipart/alternative",
            Kind::WithAttachment => "multipart/mixed + attachment",
        }
    }
}

/// One generated message.
pub struct Message {
    pub kind: Kind,
    pub raw: Vec<u8>,
    /// INTERNALDATE (the Maildir file's mtime), unix seconds.
    pub date: i64,
    /// Maildir info flags, in ASCII order (`F` flagged, `R` answered, `S` seen).
    pub flags: String,
}

const WORDS: &[&str] = &[
    "the",
    "meeting",
    "project",
    "report",
    "please",
    "review",
    "attached",
    "budget",
    "quarter",
    "schedule",
    "team",
    "update",
    "deadline",
    "customer",
    "invoice",
    "thanks",
    "regards",
    "next",
    "week",
    "Monday",
    "Friday",
    "office",
    "proposal",
    "draft",
    "contract",
    "server",
    "release",
    "version",
    "feedback",
    "question",
    "answer",
    "before",
    "after",
    "during",
    "about",
    "with",
    "from",
    "into",
    "over",
    "under",
    "we",
    "you",
    "they",
    "should",
    "could",
    "would",
    "will",
    "must",
    "can",
    "have",
    "has",
    "had",
    "been",
    "is",
    "are",
    "was",
    "were",
    "a",
    "an",
    "and",
    "or",
    "but",
    "not",
    "all",
    "some",
    "many",
    "few",
    "new",
    "old",
    "good",
    "better",
    "best",
    "numbers",
    "figures",
    "summary",
    "details",
    "plan",
    "call",
    "phone",
    "email",
    "agenda",
    "minutes",
    "notes",
    "travel",
    "hotel",
    "flight",
    "café",
    "Grüße",
    "naïve",
    "façade",
    "über",
    "résumé",
    "déjà",
    "vu",
    "coördinate",
    "€",
    "100",
    "2026",
    "Q3",
    "KPI",
    "API",
    "deployment",
];

const NAMES: &[(&str, &str)] = &[
    ("Alice Martin", "alice.martin@example.net"),
    ("Bob Schulz", "bob@schulz.example.de"),
    ("Carol Nguyen", "carol.nguyen@example.com"),
    ("Dave O'Neil", "dave@oneil.example.ie"),
    ("Élodie Durand", "elodie.durand@example.fr"),
    ("Frank Müller", "f.mueller@example.de"),
    ("Grace Hopper", "grace@navy.example.mil"),
    ("Hiro Tanaka", "hiro.tanaka@example.jp"),
    ("Newsletter", "news@lists.example.org"),
    ("Billing", "billing@shop.example.com"),
];

fn sentence(rng: &mut Rng) -> String {
    let n = 6 + rng.below(14) as usize;
    let mut s = String::new();
    for i in 0..n {
        let w = *rng.pick(WORDS);
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push_str(if rng.below(8) == 0 { "?" } else { "." });
    s
}

/// Paragraphs of text, about `bytes` long.
fn paragraphs(rng: &mut Rng, bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    while total < bytes {
        let mut p = String::new();
        for _ in 0..(2 + rng.below(5)) {
            if !p.is_empty() {
                p.push(' ');
            }
            p.push_str(&sentence(rng));
        }
        total += p.len() + 2;
        out.push(p);
    }
    out
}

/// Wraps text at 72 columns, CRLF line ends.
fn wrap(paras: &[String]) -> String {
    let mut out = String::new();
    for p in paras {
        let mut line = String::new();
        for w in p.split(' ') {
            if !line.is_empty() && line.len() + 1 + w.len() > 72 {
                out.push_str(&line);
                out.push_str("\r\n");
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(w);
        }
        out.push_str(&line);
        out.push_str("\r\n\r\n");
    }
    out
}

fn html_of(rng: &mut Rng, paras: &[String]) -> String {
    let mut h = String::from(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><style>body{font-family:Arial,sans-serif;font-size:14px;color:#222}p{margin:0 0 1em}td{padding:4px 8px;border:1px solid #ccc}</style></head>\n<body><div class=\"content\" style=\"max-width:640px\">\n",
    );
    for (i, p) in paras.iter().enumerate() {
        match rng.below(7) {
            0 => h.push_str(&format!(
                "<p><b>{}</b></p>\n",
                p.split(' ').take(5).collect::<Vec<_>>().join(" ")
            )),
            1 if i > 0 => h.push_str(&format!(
                "<table><tr><td>{}</td><td style=\"text-align:right\">{}</td></tr></table>\n",
                rng.pick(WORDS),
                rng.below(100_000)
            )),
            2 => h.push_str(&format!(
                "<p>See <a href=\"https://www.example.com/docs/{}\">the {} page</a>.</p>\n",
                rng.below(1000),
                rng.pick(WORDS)
            )),
            _ => {}
        }
        h.push_str("<p>");
        h.push_str(p);
        h.push_str("</p>\n");
    }
    h.push_str("</div></body></html>\n");
    h
}

/// Quoted-printable, CRLF line ends, lines at most 76 characters.
fn quoted_printable(text: &str) -> String {
    let mut out = String::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut col = 0;
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            // A blank at a line end, `=` and anything not printable ASCII are escaped.
            let blank = b == b' ' || b == b'\t';
            let enc = if (blank && last) || b == b'=' || (!(0x20..0x7f).contains(&b) && b != b'\t')
            {
                format!("={b:02X}")
            } else {
                (b as char).to_string()
            };
            if col + enc.len() > 75 {
                out.push_str("=\r\n");
                col = 0;
            }
            out.push_str(&enc);
            col += enc.len();
        }
        out.push_str("\r\n");
    }
    // split('\n') yields one line after the final newline.
    if out.ends_with("\r\n\r\n") {
        out.truncate(out.len() - 2);
    }
    out
}

fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 57 * 2 + 4);
    for line in data.chunks(57) {
        for c in line.chunks(3) {
            let n = (u32::from(c[0]) << 16)
                | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                | u32::from(*c.get(2).unwrap_or(&0));
            out.push(T[(n >> 18) as usize & 63] as char);
            out.push(T[(n >> 12) as usize & 63] as char);
            out.push(if c.len() > 1 {
                T[(n >> 6) as usize & 63] as char
            } else {
                '='
            });
            out.push(if c.len() > 2 {
                T[n as usize & 63] as char
            } else {
                '='
            });
        }
        out.push_str("\r\n");
    }
    out
}

/// `Tue, 03 Mar 2026 14:05:09 +0000`.
pub fn rfc2822_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// RFC 2047 B-encoding of a UTF-8 phrase when it is not ASCII.
fn encoded_word(text: &str) -> String {
    if text.is_ascii() {
        return text.to_owned();
    }
    format!("=?UTF-8?B?{}?=", base64(text.as_bytes()).trim_end())
}

/// Message number `n` of a mailbox; `now` is the newest date.
pub fn message(seed: u64, n: u64, now: i64) -> Message {
    let mut rng = Rng::new(seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let kind = match rng.below(100) {
        0..30 => Kind::Plain,
        30..45 => Kind::Html,
        45..85 => Kind::Alternative,
        _ => Kind::WithAttachment,
    };
    // Total size log-uniform in 2-50 KB.
    let target = (2048.0 * (25.0f64).powf(rng.unit())) as usize;
    // Within the last two years, newer messages more likely.
    let age = (rng.unit() * rng.unit() * 2.0 * 365.0 * 86_400.0) as i64;
    let date = now - age;
    let (from_name, from_addr) = *rng.pick(NAMES);
    let subject = {
        let s = sentence(&mut rng);
        let s = s.trim_end_matches(['.', '?']).to_owned();
        let words: Vec<&str> = s.split(' ').take(3 + rng.below(6) as usize).collect();
        let s = words.join(" ");
        if rng.below(4) == 0 {
            format!("Re: {s}")
        } else {
            s
        }
    };
    let mut h = String::new();
    h.push_str(&format!("Return-Path: <{from_addr}>\r\n"));
    h.push_str(&format!(
        "Received: from mx{}.example.net (mx.example.net [192.0.2.{}])\r\n\tby imap.example.org with ESMTPS id {:016x}\r\n\tfor <bench@example.org>; {}\r\n",
        rng.below(4),
        rng.below(250),
        rng.next_u64(),
        rfc2822_date(date)
    ));
    h.push_str(&format!(
        "From: {} <{from_addr}>\r\n",
        encoded_word(from_name)
    ));
    h.push_str("To: Bench User <bench@example.org>\r\n");
    if rng.below(10) < 3 {
        let (cn, ca) = *rng.pick(NAMES);
        h.push_str(&format!("Cc: {} <{ca}>\r\n", encoded_word(cn)));
    }
    h.push_str(&format!("Subject: {}\r\n", encoded_word(&subject)));
    h.push_str(&format!("Date: {}\r\n", rfc2822_date(date)));
    h.push_str(&format!(
        "Message-ID: <{n}.{:08x}@bench.example.net>\r\n",
        rng.next_u64() as u32
    ));
    if subject.starts_with("Re: ") && n > 0 {
        let parent = rng.below(n);
        h.push_str(&format!("In-Reply-To: <{parent}.0@bench.example.net>\r\n"));
        h.push_str(&format!("References: <{parent}.0@bench.example.net>\r\n"));
    }
    if rng.below(20) == 0 {
        h.push_str("Importance: high\r\nX-Priority: 1\r\n");
    }
    h.push_str("MIME-Version: 1.0\r\n");
    let boundary = |rng: &mut Rng| format!("----=_Part_{:016x}", rng.next_u64());
    let text_budget = target.saturating_sub(h.len() + 200).max(300);
    let body = match kind {
        Kind::Plain => {
            let paras = paragraphs(&mut rng, text_budget);
            let text = wrap(&paras);
            if text.is_ascii() {
                h.push_str("Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n");
                text
            } else {
                h.push_str("Content-Type: text/plain; charset=utf-8; format=flowed\r\nContent-Transfer-Encoding: quoted-printable\r\n");
                quoted_printable(&text)
            }
        }
        Kind::Html => {
            let paras = paragraphs(&mut rng, text_budget * 2 / 3);
            h.push_str("Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n");
            quoted_printable(&html_of(&mut rng, &paras))
        }
        Kind::Alternative => {
            let paras = paragraphs(&mut rng, text_budget / 3);
            let b = boundary(&mut rng);
            h.push_str(&format!(
                "Content-Type: multipart/alternative; boundary=\"{b}\"\r\n"
            ));
            alternative(&mut rng, &b, &paras)
        }
        Kind::WithAttachment => {
            let text_part = 600 + rng.below(3000) as usize;
            let paras = paragraphs(&mut rng, text_part / 3);
            let outer = boundary(&mut rng);
            let inner = boundary(&mut rng);
            h.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"{outer}\"\r\n"
            ));
            let mut s = String::from("This is a multi-part message in MIME format.\r\n\r\n");
            s.push_str(&format!("--{outer}\r\n"));
            s.push_str(&format!(
                "Content-Type: multipart/alternative; boundary=\"{inner}\"\r\n\r\n"
            ));
            s.push_str(&alternative(&mut rng, &inner, &paras));
            let att_len = (target.saturating_sub(h.len() + s.len() + 400) * 3 / 4).max(256);
            let (ctype, name) = match rng.below(3) {
                0 => ("application/pdf", "report.pdf"),
                1 => ("image/jpeg", "photo.jpg"),
                _ => (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "figures.xlsx",
                ),
            };
            let data: Vec<u8> = (0..att_len).map(|_| rng.next_u64() as u8).collect();
            s.push_str(&format!("--{outer}\r\n"));
            s.push_str(&format!(
                "Content-Type: {ctype}; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            ));
            s.push_str(&base64(&data));
            s.push_str(&format!("--{outer}--\r\n"));
            s
        }
    };
    let mut raw = h.into_bytes();
    raw.extend_from_slice(b"\r\n");
    raw.extend_from_slice(body.as_bytes());
    let mut flags = String::new();
    if rng.below(20) == 0 {
        flags.push('F');
    }
    if rng.below(10) == 0 {
        flags.push('R');
    }
    if rng.below(10) < 7 {
        flags.push('S');
    }
    Message {
        kind,
        raw,
        date,
        flags,
    }
}

fn alternative(rng: &mut Rng, b: &str, paras: &[String]) -> String {
    let text = wrap(paras);
    let html = html_of(rng, paras);
    let mut s = String::new();
    s.push_str(&format!("--{b}\r\n"));
    s.push_str(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    );
    s.push_str(&quoted_printable(&text));
    s.push_str(&format!("--{b}\r\n"));
    s.push_str(
        "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    );
    s.push_str(&quoted_printable(&html));
    s.push_str(&format!("--{b}--\r\n"));
    s
}
