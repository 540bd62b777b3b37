//! Conversions between EAS content classes and MIME, iCalendar and vCard. No I/O.
//! Filled in by the conversion issue; see README.md.
