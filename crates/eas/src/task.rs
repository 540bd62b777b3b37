//! The Tasks class (MS-ASTASK): the `ApplicationData` of a task as the server sends it in a
//! Sync Add or Change and as a device sends it back.
//!
//! Dates: the `Utc*` elements, `DateCompleted`, `ReminderTime` and `OrdinalDate` are instants
//! (UTC unix seconds). `StartDate` and `DueDate` are the device's *local* wall time written as
//! if it were UTC ("floating": `2026-11-22T00:00:00.000Z` means local midnight whatever the
//! device's zone). They are kept as "local seconds": the wall time's seconds since
//! 1970-01-01T00:00 with no zone, i.e. `NaiveDateTime::and_utc().timestamp()`.

use wbxml::{Element, Tag, tags::airsync as a, tags::airsyncbase as asb, tags::tasks as t};

use crate::airsyncbase::Body;
use crate::date::{format_utc, parse_utc};
use crate::error::{ProtocolError, bool_text, parse_bool, parse_text, text_of};
use crate::recurrence::{Recurrence, RecurrencePage};
use crate::version::ProtocolVersion;

/// Most categories one task may carry (Tasks.xsd: `Category maxOccurs="300"`).
pub const MAX_CATEGORIES: usize = 300;

/// `Importance` (MS-ASTASK 2.2.2.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Importance {
    Low = 0,
    Normal = 1,
    High = 2,
}

impl Importance {
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Importance> {
        match code {
            0 => Some(Importance::Low),
            1 => Some(Importance::Normal),
            2 => Some(Importance::High),
            _ => None,
        }
    }
}

/// `Sensitivity` (MS-ASTASK 2.2.2.24; the same codes as MS-ASCAL 2.2.2.40).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sensitivity {
    Normal = 0,
    Personal = 1,
    Private = 2,
    Confidential = 3,
}

impl Sensitivity {
    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Sensitivity> {
        match code {
            0 => Some(Sensitivity::Normal),
            1 => Some(Sensitivity::Personal),
            2 => Some(Sensitivity::Private),
            3 => Some(Sensitivity::Confidential),
            _ => None,
        }
    }
}

/// A task (MS-ASTASK 2.2.2). Every field is `None` when the element is absent; a device's
/// Change carries only what it sends. `categories: Some(vec![])` is an empty `<Categories/>`
/// (no categories).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Task {
    /// `airsyncbase:Body`.
    pub body: Option<Body>,
    pub subject: Option<String>,
    pub importance: Option<Importance>,
    /// UTC unix seconds.
    pub utc_start_date: Option<i64>,
    /// Local seconds (see the module documentation).
    pub start_date: Option<i64>,
    /// UTC unix seconds.
    pub utc_due_date: Option<i64>,
    /// Local seconds (see the module documentation).
    pub due_date: Option<i64>,
    pub categories: Option<Vec<String>>,
    /// The tasks-page pattern (`Start`, `Regenerate`, `DeadOccur` are task-only fields).
    pub recurrence: Option<Recurrence>,
    /// Required in a task (MS-ASTASK 2.2.2.7); written as `0` when `None`.
    pub complete: Option<bool>,
    /// UTC unix seconds; required when `complete` is true.
    pub date_completed: Option<i64>,
    pub sensitivity: Option<Sensitivity>,
    /// UTC unix seconds: tasks reminders are absolute.
    pub reminder_time: Option<i64>,
    pub reminder_set: Option<bool>,
    /// The device's sort key (MS-ASTASK 2.2.2.19, the flag's PidLidToDoOrdinalDate), UTC.
    pub ordinal_date: Option<i64>,
    /// The tie-breaking sort key (MS-ASTASK 2.2.2.28), any string.
    pub sub_ordinal_date: Option<String>,
}

fn date_of(el: &Element) -> Result<i64, ProtocolError> {
    let text = text_of(el)?;
    parse_utc(&text).ok_or(ProtocolError::Invalid {
        element: el.tag,
        value: text,
    })
}

fn code_of<T>(el: &Element, from: fn(u8) -> Option<T>) -> Result<T, ProtocolError> {
    let code: u8 = parse_text(el)?;
    from(code).ok_or_else(|| ProtocolError::Invalid {
        element: el.tag,
        value: code.to_string(),
    })
}

/// The names in a `Categories` element (any namespace's `Category` children).
pub(crate) fn category_names(el: &Element, category: Tag) -> Result<Vec<String>, ProtocolError> {
    el.find_all(category).map(text_of).collect()
}

pub(crate) fn categories_element(tag: Tag, category: Tag, names: &[String]) -> Element {
    let mut el = Element::new(tag);
    for c in names.iter().take(MAX_CATEGORIES) {
        el.push(Element::with_text(category, c.as_str()));
    }
    el
}

impl Task {
    /// Reads the `ApplicationData` of a device's Add or Change (or a server's, in tests).
    /// Unknown children are ignored; a malformed value is an error naming its element.
    /// `version` is not needed to read (every element is read in any version) and is taken
    /// for symmetry with the other classes.
    pub fn from_application_data(
        el: &Element,
        _version: ProtocolVersion,
    ) -> Result<Task, ProtocolError> {
        let mut task = Task::default();
        for child in el.elements() {
            match child.tag {
                asb::BODY => task.body = Some(Body::from_element(child)?),
                t::SUBJECT => task.subject = Some(text_of(child)?),
                t::IMPORTANCE => {
                    task.importance = Some(code_of(child, Importance::from_code)?);
                }
                t::UTC_START_DATE => task.utc_start_date = Some(date_of(child)?),
                t::START_DATE => task.start_date = Some(date_of(child)?),
                t::UTC_DUE_DATE => task.utc_due_date = Some(date_of(child)?),
                t::DUE_DATE => task.due_date = Some(date_of(child)?),
                t::CATEGORIES => {
                    task.categories = Some(category_names(child, t::CATEGORY)?);
                }
                t::RECURRENCE => {
                    task.recurrence = Some(Recurrence::from_element(child)?);
                }
                t::COMPLETE => task.complete = Some(parse_bool(child)?),
                t::DATE_COMPLETED => task.date_completed = Some(date_of(child)?),
                t::SENSITIVITY => {
                    task.sensitivity = Some(code_of(child, Sensitivity::from_code)?);
                }
                t::REMINDER_TIME => task.reminder_time = Some(date_of(child)?),
                t::REMINDER_SET => task.reminder_set = Some(parse_bool(child)?),
                t::ORDINAL_DATE => task.ordinal_date = Some(date_of(child)?),
                t::SUB_ORDINAL_DATE => task.sub_ordinal_date = Some(text_of(child)?),
                _ => {}
            }
        }
        Ok(task)
    }

    /// The `airsync:ApplicationData` for a device of `version`, in the order of the
    /// Tasks.xsd `AllProps` group (the 2.5-only `tasks:Body` replaced by `airsyncbase:Body`):
    /// Subject, Body, Importance, UtcStartDate, StartDate, UtcDueDate, DueDate, Categories,
    /// Recurrence, Complete, DateCompleted, Sensitivity, ReminderTime, ReminderSet,
    /// OrdinalDate, SubOrdinalDate. Every element exists in 12.0+; `Complete` is always
    /// written (it is required).
    pub fn to_application_data(&self, version: ProtocolVersion) -> Element {
        let mut el = Element::new(a::APPLICATION_DATA);
        if let Some(s) = &self.subject {
            el.push(Element::with_text(t::SUBJECT, s.as_str()));
        }
        if let Some(b) = &self.body {
            el.push(b.to_element(version));
        }
        if let Some(i) = self.importance {
            el.push(Element::with_text(t::IMPORTANCE, i.code().to_string()));
        }
        let dates = [
            (t::UTC_START_DATE, self.utc_start_date),
            (t::START_DATE, self.start_date),
            (t::UTC_DUE_DATE, self.utc_due_date),
            (t::DUE_DATE, self.due_date),
        ];
        for (tag, value) in dates {
            if let Some(v) = value {
                el.push(Element::with_text(tag, format_utc(v)));
            }
        }
        if let Some(c) = &self.categories {
            el.push(categories_element(t::CATEGORIES, t::CATEGORY, c));
        }
        if let Some(r) = &self.recurrence {
            el.push(r.to_element(RecurrencePage::Tasks, version));
        }
        el.push(Element::with_text(
            t::COMPLETE,
            bool_text(self.complete.unwrap_or(false)),
        ));
        if let Some(d) = self.date_completed {
            el.push(Element::with_text(t::DATE_COMPLETED, format_utc(d)));
        }
        if let Some(s) = self.sensitivity {
            el.push(Element::with_text(t::SENSITIVITY, s.code().to_string()));
        }
        if let Some(r) = self.reminder_time {
            el.push(Element::with_text(t::REMINDER_TIME, format_utc(r)));
        }
        if let Some(r) = self.reminder_set {
            el.push(Element::with_text(t::REMINDER_SET, bool_text(r)));
        }
        if let Some(o) = self.ordinal_date {
            el.push(Element::with_text(t::ORDINAL_DATE, format_utc(o)));
        }
        if let Some(s) = &self.sub_ordinal_date {
            el.push(Element::with_text(t::SUB_ORDINAL_DATE, s.as_str()));
        }
        el
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::airsyncbase::BodyType;
    use crate::recurrence::RecurrenceType;

    fn names(el: &Element) -> Vec<&'static str> {
        el.elements().map(|e| e.tag.name()).collect()
    }

    fn full() -> Task {
        let mut r = Recurrence::new(RecurrenceType::Weekly);
        r.day_of_week = Some(2);
        r.start = Some(1_795_305_600);
        Task {
            body: Some(Body::full(BodyType::Plain, "Milk".into())),
            subject: Some("Shop".into()),
            importance: Some(Importance::High),
            utc_start_date: Some(1_795_302_000),
            start_date: Some(1_795_305_600),
            utc_due_date: Some(1_795_388_400),
            due_date: Some(1_795_392_000),
            categories: Some(vec!["Home".into()]),
            recurrence: Some(r),
            complete: Some(true),
            date_completed: Some(1_795_400_000),
            sensitivity: Some(Sensitivity::Private),
            reminder_time: Some(1_795_380_000),
            reminder_set: Some(true),
            ordinal_date: Some(1_795_000_000),
            sub_ordinal_date: Some("5555555".into()),
        }
    }

    #[test]
    fn elements_are_written_in_schema_order() {
        let el = full().to_application_data(ProtocolVersion::V16_1);
        assert_eq!(
            names(&el),
            [
                "Subject",
                "Body",
                "Importance",
                "UtcStartDate",
                "StartDate",
                "UtcDueDate",
                "DueDate",
                "Categories",
                "Recurrence",
                "Complete",
                "DateCompleted",
                "Sensitivity",
                "ReminderTime",
                "ReminderSet",
                "OrdinalDate",
                "SubOrdinalDate"
            ]
        );
    }

    #[test]
    fn a_task_reads_back_what_it_writes() {
        for v in [ProtocolVersion::V12_1, ProtocolVersion::V16_1] {
            let task = full();
            let back = Task::from_application_data(&task.to_application_data(v), v).unwrap();
            assert_eq!(back, task);
        }
    }

    #[test]
    fn complete_is_always_written() {
        let el = Task::default().to_application_data(ProtocolVersion::V14_1);
        assert_eq!(names(&el), ["Complete"]);
        assert_eq!(el.child_text(t::COMPLETE).as_deref(), Some("0"));
    }

    #[test]
    fn an_empty_categories_element_reads_as_an_empty_list() {
        let el = Element::new(a::APPLICATION_DATA).child(Element::new(t::CATEGORIES));
        let task = Task::from_application_data(&el, ProtocolVersion::V16_1).unwrap();
        assert_eq!(task.categories, Some(vec![]));
    }

    #[test]
    fn out_of_range_codes_and_bad_dates_are_errors_naming_the_element() {
        let el = Element::new(a::APPLICATION_DATA).text_child(t::IMPORTANCE, "3");
        let err = Task::from_application_data(&el, ProtocolVersion::V16_1).unwrap_err();
        assert_eq!(err.element(), t::IMPORTANCE);
        let el = Element::new(a::APPLICATION_DATA).text_child(t::DUE_DATE, "tomorrow");
        let err = Task::from_application_data(&el, ProtocolVersion::V16_1).unwrap_err();
        assert_eq!(err.element(), t::DUE_DATE);
    }

    #[test]
    fn local_dates_are_floating_wall_times() {
        let el = Element::new(a::APPLICATION_DATA)
            .text_child(t::DUE_DATE, "2026-11-22T00:00:00.000Z")
            .text_child(t::UTC_DUE_DATE, "2026-11-21T23:00:00.000Z");
        let task = Task::from_application_data(&el, ProtocolVersion::V16_1).unwrap();
        assert_eq!(task.due_date, Some(1_795_305_600));
        assert_eq!(task.utc_due_date, Some(1_795_305_600 - 3600));
    }
}
