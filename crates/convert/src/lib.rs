//! Conversions between EAS content classes and MIME, iCalendar and vCard. No I/O.

pub mod mail;
