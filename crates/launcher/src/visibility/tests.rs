//! Native tests of the rule engine on a simulated clock and simulated DST zones.

use super::engine::{AgentStatus, Inputs, Reason};
use super::operator::{
    combine, encode, poll_interval_ms, Identity, Remembered, Verdict, REMEMBERED_KEY,
};
use super::rules::{matches_page, RuleError, Rules};
use super::visits::{VisitRecord, VISIT_GAP_MS};
use super::zone::{utc_ms, SimulatedZone, ZoneOffsets};

const VIENNA: SimulatedZone = SimulatedZone::VIENNA;
const NEW_YORK: SimulatedZone = SimulatedZone::NEW_YORK;

fn rules(json: &str) -> Rules {
    Rules::parse(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn hours(json_hours: &str) -> super::hours::OpeningHours {
    rules(&format!("{{\"openingHours\": {json_hours}}}"))
        .opening_hours
        .expect("opening hours")
}

fn inputs(now_ms: i64) -> Inputs<'static> {
    Inputs {
        now_ms,
        page_started_ms: now_ms,
        visit_number: 1,
        url: "https://shop.example/",
        agents: Some(AgentStatus {
            online: true,
            available: true,
        }),
    }
}

/// Vienna local wall time as UTC, with the offset the zone has at that local time.
fn vienna(y: i32, mo: u8, d: u8, h: i64, mi: i64) -> i64 {
    let guess = utc_ms(y, mo, d, h, mi, 60);
    utc_ms(y, mo, d, h, mi, VIENNA.offset_minutes(guess - 3_600_000))
}

// ---- parsing ----

#[test]
fn test_simple_full_schema() {
    let r = rules(
        r#"{"agentOnline": true, "agentAvailable": false,
            "openingHours": {"timeZone": "Europe/Vienna",
                "weekly": {"mon": ["09:00-12:00", "13:00-17:00"], "Friday": ["22:00-02:00"], "sun": []},
                "holidays": ["2026-12-25", "01-01"],
                "specialDays": {"2026-12-24": ["09:00-12:00"]}},
            "secondsOnPage": 10, "visitNumber": 2,
            "pages": {"include": ["/shop/*"], "exclude": ["/shop/checkout*"]},
            "pollSeconds": 60}"#,
    );
    assert!(r.agent_online && !r.agent_available);
    assert_eq!(r.seconds_on_page, Some(10));
    assert_eq!(r.visit_number, Some(2));
    assert_eq!(r.poll_seconds, 60);
    let h = r.opening_hours.expect("hours");
    assert_eq!(h.time_zone, "Europe/Vienna");
    assert_eq!(h.weekly[0].len(), 2);
    assert_eq!(
        (h.weekly[4][0].start, h.weekly[4][0].end),
        (22 * 60, 26 * 60)
    );
    assert_eq!(h.holidays.len(), 2);
    assert_eq!(h.holidays[1].year, None);
    let p = r.pages.expect("pages");
    assert_eq!(p.include, ["/shop/*"]);
    // A plain array is the include list.
    assert_eq!(
        rules(r#"{"pages": ["/a/*"]}"#)
            .pages
            .expect("pages")
            .include,
        ["/a/*"]
    );
}

#[test]
fn no_rules_means_visible_by_default() {
    for text in ["{}", " { } ", r#"{"agentOnline": false}"#] {
        let r = rules(text);
        assert!(r.is_empty());
        let d = r.evaluate(&inputs(0), &VIENNA);
        assert!(d.visible);
        assert_eq!(d.reason, Reason::Default);
        assert_eq!(d.next_check_ms, None);
        assert!(!d.needs_agents);
    }
}

#[test]
fn test_invalid_names_the_bad_rule() {
    let cases: &[(&str, &str)] = &[
        ("", "not valid JSON"),
        ("[1]", "found an array"),
        (r#"{"agentonline": true}"#, "unknown rule `agentonline`"),
        (
            r#"{"agentOnline": "yes"}"#,
            "rule `agentOnline` is a string",
        ),
        (r#"{"secondsOnPage": -1}"#, "rule `secondsOnPage` is -1"),
        (r#"{"secondsOnPage": 1.5}"#, "rule `secondsOnPage` is 1.5"),
        (r#"{"visitNumber": 0}"#, "rule `visitNumber` is 0"),
        (r#"{"pollSeconds": 1}"#, "rule `pollSeconds` is 1"),
        (r#"{"pages": "/shop"}"#, "rule `pages` is a string"),
        (r#"{"pages": {"include": [""]}}"#, "rule `pages.include[0]`"),
        (r#"{"pages": {"only": []}}"#, "rule `pages.only`"),
        (
            r#"{"openingHours": {"weekly": {}}}"#,
            "rule `openingHours.timeZone` is missing",
        ),
        (
            r#"{"openingHours": {"timeZone": "Europe/Vienna"}}"#,
            "rule `openingHours.weekly` is missing",
        ),
        (
            r#"{"openingHours": {"timeZone": "Mars Base", "weekly": {}}}"#,
            "rule `openingHours.timeZone` is \"Mars Base\"",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {"mon": ["09:00-17:00", "25:00-26:00"]}}}"#,
            "rule `openingHours.weekly.mon[1]` is \"25:00-26:00\"",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {"tue": ["09:00-09:00"]}}}"#,
            "rule `openingHours.weekly.tue[0]`",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {"tue": ["9-17"]}}}"#,
            "rule `openingHours.weekly.tue[0]` is \"9-17\"",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {"mondays": []}}}"#,
            "rule `openingHours.weekly` is \"mondays\"",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {}, "holidays": ["2026-02-30"]}}"#,
            "rule `openingHours.holidays[0]` is \"2026-02-30\"",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {}, "specialDays": {"24.12.": []}}}"#,
            "rule `openingHours.specialDays.24.12.`",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {}, "holidays": ["12-24"], "specialDays": {"12-24": []}}}"#,
            "not both",
        ),
        (
            r#"{"openingHours": {"timeZone": "UTC", "weekly": {}, "hours": 1}}"#,
            "rule `openingHours.hours`",
        ),
    ];
    for (text, needle) in cases {
        let e = Rules::parse(text).expect_err(text);
        let msg = e.to_string();
        assert!(msg.contains(needle), "{text}: {msg:?} lacks {needle:?}");
        assert!(msg.contains("the chat stays visible"), "{msg}");
    }
    assert_eq!(Rules::parse("{"), Err(RuleError::NotJson));
    // Every-year 29 February is a fine holiday.
    rules(r#"{"openingHours": {"timeZone": "UTC", "weekly": {}, "holidays": ["02-29"]}}"#);
}

// ---- opening hours ----

#[test]
fn weekly_ranges_open_and_close_at_their_boundaries() {
    let h = hours(
        r#"{"timeZone": "Europe/Vienna", "weekly": {"mon": ["09:00-12:00", "13:00-17:00"]}}"#,
    );
    // Monday 2026-11-23 (winter, UTC+1).
    let at = |hh, mm| vienna(2026, 11, 23, hh, mm);
    assert!(!h.is_open(at(8, 59), &VIENNA));
    assert!(h.is_open(at(9, 0), &VIENNA));
    assert!(h.is_open(at(11, 59), &VIENNA));
    assert!(!h.is_open(at(12, 0), &VIENNA));
    assert!(h.is_open(at(13, 0), &VIENNA));
    assert!(!h.is_open(at(17, 0), &VIENNA));
    assert_eq!(h.next_change(at(8, 0), &VIENNA), Some(at(9, 0)));
    assert_eq!(h.next_change(at(10, 0), &VIENNA), Some(at(12, 0)));
    assert_eq!(h.next_change(at(12, 0), &VIENNA), Some(at(13, 0)));
    // After Monday's close the next opening is a week later.
    assert_eq!(
        h.next_change(at(17, 0), &VIENNA),
        Some(vienna(2026, 11, 30, 9, 0))
    );
}

#[test]
fn adjacent_ranges_do_not_flicker() {
    let h = hours(r#"{"timeZone": "UTC", "weekly": {"mon": ["09:00-12:00", "12:00-17:00"]}}"#);
    let utc = SimulatedZone::Fixed(0);
    let at = |hh| utc_ms(2026, 11, 23, hh, 0, 0);
    assert!(h.is_open(at(12), &utc));
    assert_eq!(h.next_change(at(10), &utc), Some(at(17)));
}

#[test]
fn midnight_crossing_range_belongs_to_its_start_day() {
    let h = hours(
        r#"{"timeZone": "Europe/Vienna", "weekly": {"fri": ["22:00-02:00"], "sat": ["10:00-12:00"]},
            "holidays": ["2026-11-28"]}"#,
    );
    // Friday 27 Nov 2026 22:00 → Saturday 28 Nov 02:00; Saturday is a holiday, which closes
    // Saturday's own range but not the one that began on Friday.
    assert!(!h.is_open(vienna(2026, 11, 27, 21, 59), &VIENNA));
    assert!(h.is_open(vienna(2026, 11, 27, 23, 30), &VIENNA));
    assert!(h.is_open(vienna(2026, 11, 28, 0, 0), &VIENNA));
    assert!(h.is_open(vienna(2026, 11, 28, 1, 59), &VIENNA));
    assert!(!h.is_open(vienna(2026, 11, 28, 2, 0), &VIENNA));
    assert!(!h.is_open(vienna(2026, 11, 28, 11, 0), &VIENNA));
    assert_eq!(
        h.next_change(vienna(2026, 11, 27, 23, 0), &VIENNA),
        Some(vienna(2026, 11, 28, 2, 0))
    );
    // The next Saturday is no holiday.
    assert!(h.is_open(vienna(2026, 12, 5, 11, 0), &VIENNA));
    // "22:00-24:00" and "00:00-24:00" are fine too.
    let h =
        hours(r#"{"timeZone": "UTC", "weekly": {"sun": ["00:00-24:00"], "mon": ["22:00-24:00"]}}"#);
    let utc = SimulatedZone::Fixed(0);
    // Sunday 22 Nov 2026 all day, then closed until Monday 22:00.
    assert!(h.is_open(utc_ms(2026, 11, 22, 0, 0, 0), &utc));
    assert_eq!(
        h.next_change(utc_ms(2026, 11, 22, 5, 0, 0), &utc),
        Some(utc_ms(2026, 11, 23, 0, 0, 0))
    );
    assert_eq!(
        h.next_change(utc_ms(2026, 11, 23, 0, 0, 0), &utc),
        Some(utc_ms(2026, 11, 23, 22, 0, 0))
    );
}

#[test]
fn holidays_and_special_days() {
    let h = hours(
        r#"{"timeZone": "Europe/Vienna",
            "weekly": {"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
                       "thu": ["09:00-17:00"], "fri": ["09:00-17:00"]},
            "holidays": ["2026-12-25", "12-24", "01-01"],
            "specialDays": {"2026-12-24": ["09:00-12:00"], "2026-12-27": ["10:00-14:00"]}}"#,
    );
    // Thu 24 Dec 2026: every-year holiday, but this year's special day wins (exact date).
    assert!(h.is_open(vienna(2026, 12, 24, 11, 0), &VIENNA));
    assert!(!h.is_open(vienna(2026, 12, 24, 13, 0), &VIENNA));
    // Fri 25 Dec: closed all day.
    assert!(!h.is_open(vienna(2026, 12, 25, 10, 0), &VIENNA));
    // Sun 27 Dec: a special opening on a weekend.
    assert!(h.is_open(vienna(2026, 12, 27, 10, 0), &VIENNA));
    // Thu 24 Dec 2027: only the every-year holiday applies.
    assert!(!h.is_open(vienna(2027, 12, 24, 11, 0), &VIENNA));
    // 1 Jan every year.
    assert!(!h.is_open(vienna(2027, 1, 1, 10, 0), &VIENNA));
    // From Christmas Eve noon the next change skips the holiday and Saturday to the special Sunday.
    assert_eq!(
        h.next_change(vienna(2026, 12, 24, 12, 0), &VIENNA),
        Some(vienna(2026, 12, 27, 10, 0))
    );
}

#[test]
fn dst_spring_vienna() {
    // Sunday 29 March 2026: at 01:00 UTC the wall clock jumps from 02:00 to 03:00.
    let h = hours(
        r#"{"timeZone": "Europe/Vienna", "weekly": {"sun": ["02:30-05:00"], "mon": ["09:00-17:00"]}}"#,
    );
    let change = utc_ms(2026, 3, 29, 1, 0, 0);
    // 01:50 local (UTC+1): closed; 02:30 never happens, so it opens at the jump (03:00 CEST).
    let before = utc_ms(2026, 3, 29, 1, 50, 60);
    assert!(!h.is_open(before, &VIENNA));
    assert_eq!(h.next_change(before, &VIENNA), Some(change));
    assert!(h.is_open(change, &VIENNA));
    // It closes at 05:00 CEST = 03:00 UTC.
    assert_eq!(
        h.next_change(change, &VIENNA),
        Some(utc_ms(2026, 3, 29, 3, 0, 0))
    );
    // Across the change: from Saturday evening (UTC+1) Monday 09:00 is 07:00 UTC (UTC+2).
    let sunday = hours(r#"{"timeZone": "Europe/Vienna", "weekly": {"sun": ["09:00-17:00"]}}"#);
    assert_eq!(
        sunday.next_change(utc_ms(2026, 3, 28, 21, 0, 60), &VIENNA),
        Some(utc_ms(2026, 3, 29, 7, 0, 0))
    );
    assert_eq!(
        h.next_change(utc_ms(2026, 3, 29, 5, 0, 120), &VIENNA),
        Some(utc_ms(2026, 3, 30, 7, 0, 0))
    );
}

#[test]
fn dst_autumn_vienna_lives_the_repeated_hour_twice() {
    // Sunday 25 October 2026: at 01:00 UTC the wall clock goes back from 03:00 to 02:00.
    let h = hours(r#"{"timeZone": "Europe/Vienna", "weekly": {"sun": ["02:30-03:00"]}}"#);
    let t = |hh, mm| utc_ms(2026, 10, 25, hh, mm, 0);
    let mut at = t(0, 0); // 02:00 CEST
    let mut seen = Vec::new();
    for _ in 0..4 {
        at = h.next_change(at, &VIENNA).expect("a change");
        seen.push((at, h.is_open(at, &VIENNA)));
    }
    assert_eq!(
        seen,
        [
            (t(0, 30), true), // 02:30 CEST
            (t(1, 0), false), // 03:00 CEST = 02:00 CET
            (t(1, 30), true), // 02:30 CET
            (t(2, 0), false), // 03:00 CET
        ]
    );
    // Monday's opening after the change is at 08:00 UTC (UTC+1), computed from Saturday (UTC+2).
    let weekday = hours(r#"{"timeZone": "Europe/Vienna", "weekly": {"mon": ["09:00-17:00"]}}"#);
    assert_eq!(
        weekday.next_change(utc_ms(2026, 10, 24, 12, 0, 120), &VIENNA),
        Some(utc_ms(2026, 10, 26, 8, 0, 0))
    );
}

#[test]
fn dst_new_york_both_ways() {
    let h = hours(r#"{"timeZone": "America/New_York", "weekly": {"sun": ["09:00-17:00"]}}"#);
    // 8 March 2026 (spring): 09:00 EDT = 13:00 UTC, asked from Saturday evening EST.
    assert_eq!(
        h.next_change(utc_ms(2026, 3, 7, 20, 0, -300), &NEW_YORK),
        Some(utc_ms(2026, 3, 8, 13, 0, 0))
    );
    // 1 November 2026 (autumn): 09:00 EST = 14:00 UTC, asked from Saturday evening EDT.
    assert_eq!(
        h.next_change(utc_ms(2026, 10, 31, 20, 0, -240), &NEW_YORK),
        Some(utc_ms(2026, 11, 1, 14, 0, 0))
    );
    assert!(h.is_open(utc_ms(2026, 11, 1, 16, 59, -300), &NEW_YORK));
    assert!(!h.is_open(utc_ms(2026, 11, 1, 17, 0, -300), &NEW_YORK));
}

#[test]
fn a_schedule_that_never_opens_has_no_next_change() {
    let h = hours(
        r#"{"timeZone": "UTC", "weekly": {}, "specialDays": {"2020-01-01": ["09:00-10:00"]}}"#,
    );
    let utc = SimulatedZone::Fixed(0);
    assert!(!h.is_open(utc_ms(2026, 1, 1, 9, 30, 0), &utc));
    assert_eq!(h.next_change(utc_ms(2026, 1, 1, 9, 30, 0), &utc), None);
}

// ---- other rules and combinations ----

#[test]
fn seconds_on_page_reports_when_it_turns_true() {
    let r = rules(r#"{"secondsOnPage": 10}"#);
    let mut i = inputs(1_000_000);
    i.page_started_ms = 995_000;
    let d = r.evaluate(&i, &VIENNA);
    assert!(!d.visible);
    assert_eq!(d.reason, Reason::SecondsOnPage);
    assert_eq!(d.next_check_ms, Some(1_005_000));
    i.now_ms = 1_005_000;
    let d = r.evaluate(&i, &VIENNA);
    assert!(d.visible);
    assert_eq!(d.reason, Reason::Rules);
    assert_eq!(d.next_check_ms, None);
}

#[test]
fn visit_number_counts_from_the_given_visit_on() {
    let r = rules(r#"{"visitNumber": 2}"#);
    let mut i = inputs(0);
    assert_eq!(r.evaluate(&i, &VIENNA).reason, Reason::VisitNumber);
    i.visit_number = 2;
    assert!(r.evaluate(&i, &VIENNA).visible);
    i.visit_number = 5;
    assert!(r.evaluate(&i, &VIENNA).visible);
}

#[test]
fn page_patterns() {
    assert!(matches_page(
        "/shop/*",
        "https://x.example/shop/cart?id=1#top"
    ));
    assert!(!matches_page("/shop/*", "https://x.example/shopping"));
    assert!(matches_page("/shop*", "https://x.example/shopping"));
    assert!(matches_page("/", "https://x.example"));
    assert!(matches_page("/", "https://x.example/?q=1"));
    assert!(matches_page("*/checkout", "https://x.example/a/b/checkout"));
    assert!(matches_page(
        "/*/checkout",
        "https://x.example/a/b/checkout"
    ));
    assert!(!matches_page(
        "/*/checkout",
        "https://x.example/a/b/checkout/done"
    ));
    assert!(matches_page(
        "https://x.example/*",
        "https://x.example/any/thing?x#y"
    ));
    assert!(!matches_page(
        "https://x.example/*",
        "https://y.example/any"
    ));
    assert!(matches_page(
        "*?lang=de*",
        "https://x.example/p?lang=de&x=1"
    ));
    assert!(matches_page("/a*b*c", "/aXXbYYc"));
    assert!(!matches_page("/a*b*c", "/aXXbYYcd"));
    let r =
        rules(r#"{"pages": {"include": ["/shop/*", "/help"], "exclude": ["/shop/checkout*"]}}"#);
    let at = |url: &'static str| Inputs { url, ..inputs(0) };
    assert!(
        r.evaluate(&at("https://x.example/shop/item/1"), &VIENNA)
            .visible
    );
    assert!(r.evaluate(&at("https://x.example/help"), &VIENNA).visible);
    let d = r.evaluate(&at("https://x.example/shop/checkout/pay"), &VIENNA);
    assert_eq!((d.visible, d.reason), (false, Reason::Pages));
    assert!(!r.evaluate(&at("https://x.example/"), &VIENNA).visible);
    // Exclude only.
    let r = rules(r#"{"pages": {"exclude": ["/admin/*"]}}"#);
    assert!(r.evaluate(&at("https://x.example/"), &VIENNA).visible);
    assert!(
        !r.evaluate(&at("https://x.example/admin/x"), &VIENNA)
            .visible
    );
}

#[test]
fn agent_rules_follow_the_campaign() {
    let online = rules(r#"{"agentOnline": true}"#);
    let available = rules(r#"{"agentAvailable": true}"#);
    let mut i = inputs(0);
    i.agents = None;
    // Not known yet: hidden (no flash of a launcher that then disappears), and asking is needed.
    let d = online.evaluate(&i, &VIENNA);
    assert_eq!(
        (d.visible, d.reason, d.needs_agents),
        (false, Reason::AgentOnline, true)
    );
    i.agents = Some(AgentStatus {
        online: true,
        available: false,
    });
    assert!(online.evaluate(&i, &VIENNA).visible);
    assert_eq!(
        available.evaluate(&i, &VIENNA).reason,
        Reason::AgentAvailable
    );

    let campaign = |availability: bool, agents: u32, slots: &str| {
        crate::campaign::CampaignInfo::from_json(
            &crate::json::parse(&format!(
                r#"{{"id":"c","availability":{availability},"available_agents":{agents},"available_slots":{slots}}}"#
            ))
            .expect("JSON"),
        )
        .expect("campaign")
    };
    let s = |c| AgentStatus::from_campaign(&c);
    assert_eq!(
        s(campaign(true, 1, "\"∞\"")),
        AgentStatus {
            online: true,
            available: true
        }
    );
    assert_eq!(
        s(campaign(true, 2, "3")),
        AgentStatus {
            online: true,
            available: true
        }
    );
    // All slots taken: online, not available.
    assert_eq!(
        s(campaign(true, 2, "0")),
        AgentStatus {
            online: true,
            available: false
        }
    );
    assert_eq!(
        s(campaign(false, 1, "0")),
        AgentStatus {
            online: true,
            available: false
        }
    );
    assert_eq!(
        s(campaign(false, 0, "0")),
        AgentStatus {
            online: false,
            available: false
        }
    );
}

#[test]
fn combinations_are_anded_and_report_the_first_failing_rule() {
    let r = rules(
        r#"{"agentAvailable": true, "secondsOnPage": 5, "pages": ["/shop/*"],
            "openingHours": {"timeZone": "Europe/Vienna", "weekly": {"mon": ["09:00-17:00"]}}}"#,
    );
    let monday_10 = vienna(2026, 11, 23, 10, 0);
    let mut i = Inputs {
        url: "https://x.example/shop/a",
        page_started_ms: monday_10 - 60_000,
        ..inputs(monday_10)
    };
    let d = r.evaluate(&i, &VIENNA);
    assert!(d.visible);
    assert_eq!(d.reason, Reason::Rules);
    assert!(d.needs_agents);
    // The next self-made change is the closing at 17:00.
    assert_eq!(d.next_check_ms, Some(vienna(2026, 11, 23, 17, 0)));

    // Just arrived: seconds on page fails; its due time comes before the closing.
    i.page_started_ms = monday_10 - 2_000;
    let d = r.evaluate(&i, &VIENNA);
    assert_eq!((d.visible, d.reason), (false, Reason::SecondsOnPage));
    assert_eq!(d.next_check_ms, Some(monday_10 + 3_000));
    // A failing local rule means the campaign need not be polled.
    assert!(!d.needs_agents);

    // Wrong page and closed: pages is named first, but the time still matters.
    i.url = "https://x.example/";
    i.now_ms = vienna(2026, 11, 23, 18, 0);
    let d = r.evaluate(&i, &VIENNA);
    assert_eq!((d.visible, d.reason), (false, Reason::Pages));
    assert_eq!(d.next_check_ms, Some(vienna(2026, 11, 30, 9, 0)));

    // Everything holds but no agent.
    i.url = "https://x.example/shop/a";
    i.now_ms = monday_10;
    i.page_started_ms = 0;
    i.agents = Some(AgentStatus {
        online: true,
        available: false,
    });
    let d = r.evaluate(&i, &VIENNA);
    assert_eq!(
        (d.visible, d.reason, d.needs_agents),
        (false, Reason::AgentAvailable, true)
    );
}

// ---- visits ----

#[test]
fn visits_start_on_a_new_session_or_after_thirty_minutes() {
    let first = VisitRecord::page_view(None, true, 1_000);
    assert_eq!(first.count, 1);
    // Same session, soon after: same visit.
    let same = VisitRecord::page_view(Some(first), false, 1_000 + VISIT_GAP_MS);
    assert_eq!(same.count, 1);
    // More than 30 minutes later: second visit.
    let second = VisitRecord::page_view(Some(same), false, same.last_seen_ms + VISIT_GAP_MS + 1);
    assert_eq!(second.count, 2);
    // A new browser session a minute later: third visit.
    let third = VisitRecord::page_view(Some(second), true, second.last_seen_ms + 60_000);
    assert_eq!(third.count, 3);
    // Being seen keeps the visit alive.
    let kept = third.seen(third.last_seen_ms + VISIT_GAP_MS);
    assert_eq!(
        VisitRecord::page_view(Some(kept), false, kept.last_seen_ms + 60_000).count,
        3
    );
    // Storage round trip; garbage is a fresh start.
    assert_eq!(VisitRecord::decode(&third.encode()), Some(third));
    for junk in ["", "x", "0,5", "2", "2,abc", "-1,5"] {
        assert_eq!(VisitRecord::decode(junk), None, "{junk}");
    }
}

// ---- the operator's overrides and the combination table ----

const HIDDEN: Option<bool> = Some(false);
const SHOWN: Option<bool> = Some(true);
const AUTO: Option<bool> = None;

#[test]
fn the_combination_table() {
    let rules_no = (false, Reason::OpeningHours);
    let rules_yes = (true, Reason::Rules);
    // (rules, operator, page, ongoing) → (visible, reason), row by row as README shows it.
    let table = [
        // The page's show()/hide() sit above everything, a chat included.
        ((rules_no, HIDDEN, SHOWN, false), (true, Reason::Api)),
        ((rules_yes, SHOWN, Some(false), true), (false, Reason::Api)),
        ((rules_yes, AUTO, Some(false), false), (false, Reason::Api)),
        // A chat going on is never hidden, whoever would hide it.
        ((rules_yes, HIDDEN, AUTO, true), (true, Reason::Chat)),
        ((rules_no, AUTO, AUTO, true), (true, Reason::Chat)),
        // …and a visible widget during a chat keeps its own reason.
        ((rules_no, SHOWN, AUTO, true), (true, Reason::Rest)),
        ((rules_yes, AUTO, AUTO, true), (true, Reason::Rules)),
        // The operator's hidden wins over rules that show.
        ((rules_yes, HIDDEN, AUTO, false), (false, Reason::Rest)),
        ((rules_no, HIDDEN, AUTO, false), (false, Reason::Rest)),
        // The operator's shown wins over rules that hide.
        ((rules_no, SHOWN, AUTO, false), (true, Reason::Rest)),
        ((rules_yes, SHOWN, AUTO, false), (true, Reason::Rest)),
        // Automatic: the rules decide, with their reason.
        ((rules_no, AUTO, AUTO, false), (false, Reason::OpeningHours)),
        ((rules_yes, AUTO, AUTO, false), (true, Reason::Rules)),
        (
            ((true, Reason::Default), AUTO, AUTO, false),
            (true, Reason::Default),
        ),
    ];
    for ((rules, operator, page, ongoing), want) in table {
        assert_eq!(
            combine(rules, operator, page, ongoing),
            want,
            "rules {rules:?}, operator {operator:?}, page {page:?}, ongoing {ongoing}"
        );
    }
}

#[test]
fn reasons_are_spelled_for_the_page() {
    assert_eq!(Reason::Rest.as_str(), "rest");
    assert_eq!(Reason::Api.as_str(), "api");
    assert_eq!(Reason::Chat.as_str(), "chat");
    assert_eq!(Reason::Default.as_str(), "default");
    assert_eq!(Reason::Rules.as_str(), "rules");
    assert_eq!(Reason::Invalid.as_str(), "invalid");
    assert_eq!(Reason::Pages.as_str(), "rule:pages");
    assert_eq!(Reason::VisitNumber.as_str(), "rule:visitNumber");
    assert_eq!(Reason::OpeningHours.as_str(), "rule:openingHours");
    assert_eq!(Reason::SecondsOnPage.as_str(), "rule:secondsOnPage");
    assert_eq!(Reason::AgentOnline.as_str(), "rule:agentOnline");
    assert_eq!(Reason::AgentAvailable.as_str(), "rule:agentAvailable");
}

#[test]
fn a_verdict_counts_until_it_expires() {
    let read = |body: &str| Verdict::from_reply(&crate::json::parse(body).unwrap()).unwrap();
    let hidden = read(r#"{"visibility":"hidden","until":5000}"#);
    assert_eq!(hidden.at(4_999), Some(false));
    assert_eq!(hidden.at(5_000), None, "expired: the rules again");
    assert_eq!(hidden.next_change(1_000), Some(5_000));
    assert_eq!(hidden.next_change(5_000), None);
    let shown = read(r#"{"visibility":"shown","until":null}"#);
    assert_eq!(
        (shown.at(i64::MAX), shown.next_change(0)),
        (Some(true), None)
    );
    let auto = read(r#"{"visibility":"auto"}"#);
    assert_eq!(auto, Verdict::AUTO);
    assert_eq!((auto.at(0), auto.next_change(0)), (None, None));
    // An expiry on "auto" means nothing.
    assert_eq!(
        read(r#"{"visibility":"auto","until":9}"#).next_change(0),
        None
    );
    for bad in [
        r#"{"visibility":"maybe"}"#,
        r#"{"until":5}"#,
        "[]",
        r#"{"visibility":"hidden","until":-1}"#,
    ] {
        assert_eq!(
            Verdict::from_reply(&crate::json::parse(bad).unwrap()),
            None,
            "{bad}"
        );
    }
}

#[test]
fn the_read_names_the_visitor_and_the_user_safely() {
    let anonymous = Identity {
        tracker_id: "a1b2".into(),
        user: None,
    };
    assert_eq!(
        anonymous.read_path("Tm1dyq"),
        "visibility?campaign_id=Tm1dyq&tracker_id=a1b2"
    );
    let tagged = Identity {
        tracker_id: "user:email:ana+vip@example.com".into(),
        user: Some("user:email:ana+vip@example.com".into()),
    };
    assert_eq!(
        tagged.read_path("c&d"),
        "visibility?campaign_id=c%26d&tracker_id=user%3Aemail%3Aana%2Bvip%40example.com\
         &user=user%3Aemail%3Aana%2Bvip%40example.com"
    );
    assert_eq!(encode("a b/é~"), "a%20b%2F%C3%A9~");
}

#[test]
fn the_remembered_verdict_round_trips_and_junk_is_nothing() {
    assert_eq!(REMEMBERED_KEY, "visibility_override");
    let r = Remembered {
        identity: Identity {
            tracker_id: "t\"1".into(),
            user: Some("user:id:42".into()),
        },
        verdict: Verdict {
            visible: Some(false),
            until_ms: Some(1_767_000_000_000),
        },
        etag: "\"hidden-1767000000000\"".into(),
    };
    assert_eq!(Remembered::decode(&r.encode()), Some(r.clone()));
    let auto = Remembered {
        identity: Identity {
            tracker_id: "t".into(),
            user: None,
        },
        verdict: Verdict::AUTO,
        etag: "\"auto\"".into(),
    };
    assert_eq!(Remembered::decode(&auto.encode()), Some(auto));
    for junk in [
        "",
        "{",
        "[]",
        r#"{"tracker_id":"t","user":null,"visibility":"maybe","until":null,"etag":"x"}"#,
        r#"{"tracker_id":"t","user":null,"visibility":"hidden","until":"soon","etag":"x"}"#,
        r#"{"tracker_id":5,"user":null,"visibility":"hidden","until":null,"etag":"x"}"#,
        r#"{"tracker_id":"t","user":null,"visibility":"hidden","until":null}"#,
    ] {
        assert_eq!(Remembered::decode(junk), None, "{junk}");
    }
}

#[test]
fn polls_back_off_to_sixteen_times_the_interval() {
    assert_eq!(poll_interval_ms(30, 0), 30_000);
    assert_eq!(poll_interval_ms(30, 1), 60_000);
    assert_eq!(poll_interval_ms(5, 4), 80_000);
    assert_eq!(poll_interval_ms(5, 40), 80_000);
}
