//! Conversions between EAS content classes and MIME, iCalendar and vCard. No I/O.

pub mod calendar;
pub mod contact;
pub mod ical;
pub mod mail;
pub mod meeting;
pub mod merge;
pub mod note;
pub mod recurrence;
pub mod task;
pub mod timezone;
