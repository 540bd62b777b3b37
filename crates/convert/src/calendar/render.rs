//! The stored event as the EAS Calendar class.

use chrono::Datelike;
use eas::ProtocolVersion;
use eas::airsyncbase::BodyType;
use eas::calendar::{BusyStatus, Calendar, Exception, Location, Sensitivity};

use super::CalendarOptions;
use super::people;
use super::when::{Frame, Times, times_of};
use crate::ical::{
    self, ICalendar, ICalendarComponentType, ICalendarProperty, ICalendarValue, Reminder,
};
use crate::merge::{ConvertError, Loss};
use crate::recurrence::{SeriesStart, from_rrule};

/// The longest UID EAS carries (Calendar.xsd).
const MAX_UID: usize = 300;

pub(crate) fn prop(name: &str) -> ICalendarProperty {
    ICalendarProperty::Other(name.to_owned())
}

/// BusyStatus: X-MICROSOFT-CDO-BUSYSTATUS when present, else TRANSP:TRANSPARENT is Free,
/// else Busy.
pub(crate) fn busy_status(comp: &ical::ICalendarComponent) -> BusyStatus {
    if let Some(t) = ical::text(comp, &prop("X-MICROSOFT-CDO-BUSYSTATUS")) {
        match t.trim().to_ascii_uppercase().as_str() {
            "FREE" => return BusyStatus::Free,
            "TENTATIVE" => return BusyStatus::Tentative,
            "BUSY" => return BusyStatus::Busy,
            "OOF" => return BusyStatus::OutOfOffice,
            "WORKINGELSEWHERE" => return BusyStatus::WorkingElsewhere,
            _ => {}
        }
    }
    match ical::find(comp, &ICalendarProperty::Transp).and_then(|e| e.values.first()) {
        Some(ICalendarValue::Transparency(
            calcard::icalendar::ICalendarTransparency::Transparent,
        )) => BusyStatus::Free,
        _ => BusyStatus::Busy,
    }
}

/// The location: LOCATION's text; from 16.0 also GEO (or the geo: URI of Apple's structured
/// location) as latitude and longitude.
pub(crate) fn location(
    comp: &ical::ICalendarComponent,
    version: ProtocolVersion,
) -> Option<Location> {
    let name = ical::text(comp, &ICalendarProperty::Location);
    if version < ProtocolVersion::V16_0 {
        return name.map(Location::named);
    }
    let mut loc = Location {
        display_name: name,
        ..Location::default()
    };
    let geo = ical::find(comp, &ICalendarProperty::Geo).and_then(|e| match e.values.as_slice() {
        [ICalendarValue::Float(a), ICalendarValue::Float(b)] => Some((*a, *b)),
        _ => None,
    });
    let apple = || {
        let e = ical::find(comp, &prop("X-APPLE-STRUCTURED-LOCATION"))?;
        let t = ical::entry_text(e)?;
        let (a, b) = t.strip_prefix("geo:")?.split_once(',')?;
        Some((
            a.trim().parse().ok()?,
            b.split(';').next()?.trim().parse().ok()?,
        ))
    };
    if let Some((lat, lon)) = geo.or_else(apple) {
        loc.latitude = Some(lat);
        loc.longitude = Some(lon);
    }
    (loc != Location::default()).then_some(loc)
}

pub(crate) fn sensitivity(comp: &ical::ICalendarComponent) -> Option<Sensitivity> {
    ical::sensitivity(comp).and_then(Sensitivity::from_code)
}

/// The EAS view of one component (master or override) without its recurrence.
fn render_component(
    ical: &ICalendar,
    comp: usize,
    times: &Times,
    opts: &CalendarOptions,
    losses: &mut Vec<Loss>,
) -> Calendar {
    let c = &ical.components[comp];
    let v = opts.version;
    let reminder = match ical::reminder(ical, comp) {
        Some(Reminder::Minutes(m)) => Some(m),
        Some(Reminder::Absolute(_)) => {
            losses.push(Loss::new(
                "VALARM",
                "absolute TRIGGER; EAS reminders are minutes before the start",
            ));
            None
        }
        None => None,
    };
    let body = ical::body(c, opts.body.as_ref());
    let native = if ical::html_of(c).is_some() {
        Some(BodyType::Html)
    } else if ical::plain_of(c).is_some() {
        Some(BodyType::Plain)
    } else {
        None
    };
    let meeting_status = people::meeting_status(c, opts);
    let organizer = people::organizer(c);
    let attendees = people::attendees(c);
    let user_attendee = people::user_attendee(c, opts);
    let v14 = v >= ProtocolVersion::V14_0;
    let v141 = v >= ProtocolVersion::V14_1;
    Calendar {
        all_day_event: Some(times.all_day),
        body,
        busy_status: Some(busy_status(c)),
        organizer_name: organizer.as_ref().and_then(|(_, n)| n.clone()),
        organizer_email: organizer.map(|(a, _)| a),
        dt_stamp: ical::when(ical, comp, &ICalendarProperty::Dtstamp)
            .or_else(|| ical::when(ical, comp, &ICalendarProperty::LastModified))
            .map(|w| Frame::of(opts).instant(&w)),
        end_time: Some(times.end),
        location: location(c, v),
        reminder,
        sensitivity: Some(sensitivity(c).unwrap_or(Sensitivity::Normal)),
        subject: ical::text(c, &ICalendarProperty::Summary),
        start_time: Some(times.start),
        meeting_status: Some(meeting_status),
        attendees: (!attendees.is_empty()).then_some(attendees),
        categories: {
            let cats = ical::categories(c);
            (!cats.is_empty()).then_some(cats)
        },
        response_requested: (v14
            && meeting_status.is_meeting()
            && !people::user_organizes(c, opts))
        .then(|| {
            user_attendee.is_some_and(|e| {
                matches!(
                    ical::param(e, &ical::ICalendarParameterName::Rsvp),
                    Some(ical::ICalendarParameterValue::Bool(true))
                )
            })
        }),
        response_type: (v14 && meeting_status.is_meeting()).then(|| people::response_type(c, opts)),
        disallow_new_time_proposal: if v14 {
            ical::text(c, &prop("X-MICROSOFT-DISALLOW-COUNTER"))
                .map(|t| t.trim().eq_ignore_ascii_case("TRUE"))
        } else {
            None
        },
        online_meeting_conf_link: if v141 {
            ical::text(c, &prop("X-MICROSOFT-ONLINEMEETINGCONFLINK"))
                .or_else(|| ical::text(c, &prop("X-GOOGLE-CONFERENCE")))
                .or_else(|| ical::text(c, &ICalendarProperty::Conference))
        } else {
            None
        },
        online_meeting_external_link: if v141 {
            ical::text(c, &prop("X-MICROSOFT-ONLINEMEETINGEXTERNALLINK"))
        } else {
            None
        },
        native_body_type: native,
        ..Calendar::default()
    }
}

/// The series start and zone for the recurrence converter.
pub(crate) fn series_start(times: &Times) -> SeriesStart {
    SeriesStart {
        local: times.local_start,
        all_day: times.all_day,
    }
}

/// The event's RRULE as EAS, or why not.
pub(crate) fn recurrence_of(
    ical: &ICalendar,
    master: usize,
    times: &Times,
) -> Result<Option<eas::recurrence::Recurrence>, Loss> {
    let rules: Vec<_> = ical.components[master]
        .entries
        .iter()
        .filter(|e| e.name == ICalendarProperty::Rrule)
        .collect();
    let rule = match rules.as_slice() {
        [] => return Ok(None),
        [one] => match one.values.first() {
            Some(ICalendarValue::RecurrenceRule(r)) => r,
            _ => return Err(Loss::new("RRULE", "unreadable RRULE")),
        },
        _ => return Err(Loss::new("RRULE", "more than one RRULE")),
    };
    from_rrule(rule, &series_start(times), &times.zone).map(Some)
}

/// The stored event (its master `VEVENT`, overrides and EXDATEs) as EAS sees it, and what the
/// EAS form cannot carry.
pub fn event_to_eas(
    ics: &str,
    opts: &CalendarOptions,
) -> Result<(Calendar, Vec<Loss>), ConvertError> {
    let ical = ical::parse(ics)?;
    render_event(&ical, opts)
}

pub(crate) fn render_event(
    ical: &ICalendar,
    opts: &CalendarOptions,
) -> Result<(Calendar, Vec<Loss>), ConvertError> {
    let master = ical::master(ical, &ICalendarComponentType::VEvent)
        .ok_or(ConvertError::NoComponent("VEVENT"))?;
    let frame = Frame::of(opts);
    let times = times_of(ical, master, &frame).ok_or(ConvertError::NoComponent("DTSTART"))?;
    let mut losses = Vec::new();
    let mut cal = render_component(ical, master, &times, opts, &mut losses);
    // All-day events: local midnights of the user's zone with its Timezone; from 16.0 dates
    // without a time and no Timezone (MS-ASCAL 2.2.2.1). Floating times are the user's.
    cal.timezone = (!times.all_day || opts.version < ProtocolVersion::V16_0)
        .then(|| times.zone.to_eas(times.local_start.year()));
    let c = &ical.components[master];
    cal.uid = c.uid().map(str::to_owned);
    if cal.uid.as_ref().is_some_and(|u| u.len() > MAX_UID) {
        losses.push(Loss::new(
            "UID",
            "longer than the 300 characters EAS carries",
        ));
        cal.uid = None;
    }
    if ical::find(c, &ICalendarProperty::Attach).is_some() {
        losses.push(Loss::new(
            "ATTACH",
            "event attachments are not sent; kept on the server",
        ));
    }
    let alarms = ical::children(ical, master, &ICalendarComponentType::VAlarm).len();
    if alarms > usize::from(cal.reminder.is_some()) {
        losses.push(Loss::new(
            "VALARM",
            "only one reminder is sent; the other alarms stay on the server",
        ));
    }
    for name in ["RDATE", "EXRULE"] {
        if ical::find(c, &ical::property(name)).is_some() {
            losses.push(Loss::new(
                name,
                "EAS recurrences have no extra or excluded rules/dates",
            ));
        }
    }
    match recurrence_of(ical, master, &times) {
        Ok(r) => cal.recurrence = r,
        Err(loss) => losses.push(loss),
    }
    if cal.recurrence.is_some() {
        let exceptions = exceptions_of(ical, master, &times, &cal, opts, &mut losses);
        cal.exceptions = (!exceptions.is_empty()).then_some(exceptions);
    }
    Ok((cal, losses))
}

fn named(utc: i64, version: ProtocolVersion) -> Exception {
    if version >= ProtocolVersion::V16_0 {
        Exception {
            instance_id: Some(utc),
            ..Exception::default()
        }
    } else {
        Exception {
            exception_start_time: Some(utc),
            ..Exception::default()
        }
    }
}

fn differs<T: PartialEq + Clone>(value: &Option<T>, master: &Option<T>) -> Option<T> {
    (value != master).then(|| value.clone()).flatten()
}

/// EXDATEs as deleted exceptions, overrides as exceptions carrying what differs from the
/// series (an override with STATUS:CANCELLED is a deleted occurrence).
fn exceptions_of(
    ical: &ICalendar,
    master: usize,
    times: &Times,
    series: &Calendar,
    opts: &CalendarOptions,
    losses: &mut Vec<Loss>,
) -> Vec<Exception> {
    let frame = Frame::of(opts);
    let mut list: Vec<Exception> = Vec::new();
    let m = &ical.components[master];
    for e in m
        .entries
        .iter()
        .filter(|e| e.name == ICalendarProperty::Exdate)
    {
        for w in ical::whens_of(ical, e) {
            let mut x = named(frame.instant(&w), opts.version);
            x.deleted = Some(true);
            list.push(x);
        }
    }
    for o in ical::overrides(ical, master) {
        let Some(rid) = ical::when(ical, o, &ICalendarProperty::RecurrenceId) else {
            continue;
        };
        let original = frame.instant(&rid);
        if list.iter().any(|x| x.original_start() == Some(original)) {
            continue;
        }
        let mut x = named(original, opts.version);
        let oc = &ical.components[o];
        let cancelled = matches!(
            ical::find(oc, &ICalendarProperty::Status).and_then(|e| e.values.first()),
            Some(ICalendarValue::Status(
                calcard::icalendar::ICalendarStatus::Cancelled
            ))
        );
        if cancelled && !series.meeting_status.is_some_and(|s| s.is_canceled()) {
            x.deleted = Some(true);
            list.push(x);
            continue;
        }
        let Some(ot) = times_of(ical, o, &frame) else {
            losses.push(Loss::new("RECURRENCE-ID", "override without DTSTART"));
            continue;
        };
        let mut sink = Vec::new();
        let r = render_component(ical, o, &ot, opts, &mut sink);
        x.subject = differs(&r.subject, &series.subject);
        x.start_time = Some(ot.start);
        x.end_time = Some(ot.end);
        x.body = differs(&r.body, &series.body);
        x.location = differs(&r.location, &series.location);
        x.categories = differs(&r.categories, &series.categories);
        x.sensitivity = differs(&r.sensitivity, &series.sensitivity);
        x.busy_status = differs(&r.busy_status, &series.busy_status);
        x.all_day_event = differs(&r.all_day_event, &series.all_day_event);
        x.reminder = differs(&r.reminder, &series.reminder);
        x.dt_stamp = differs(&r.dt_stamp, &series.dt_stamp);
        x.meeting_status = differs(&r.meeting_status, &series.meeting_status);
        if opts.version >= ProtocolVersion::V14_0 {
            x.attendees = differs(&r.attendees, &series.attendees);
            x.response_type = differs(&r.response_type, &series.response_type);
        }
        if opts.version >= ProtocolVersion::V14_1 {
            x.online_meeting_conf_link = differs(
                &r.online_meeting_conf_link,
                &series.online_meeting_conf_link,
            );
            x.online_meeting_external_link = differs(
                &r.online_meeting_external_link,
                &series.online_meeting_external_link,
            );
        }
        list.push(x);
    }
    let _ = times;
    list.sort_by_key(|x| x.original_start());
    list
}
