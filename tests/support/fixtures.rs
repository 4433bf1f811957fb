//! The campaign both the native session tests and the browser tests start from: its id and the
//! Public API's reply for it. Shared by `tests/support` (browser tests) and `tests/session`
//! (native), which include this file.

/// The campaign id the tests use.
pub const CAMPAIGN_ID: &str = "camp1";

/// A campaign reply (`GET campaigns/camp1`'s body).
pub fn campaign(active: bool, availability: bool) -> String {
    format!(
        r##"{{"id":"{CAMPAIGN_ID}","name":"Shop","active":{active},"color":"#ffd400","language":"de",
        "availability":{availability},"available_agents":1,"available_slots":"∞",
        "cobrowsing":{{"active":true,"cbr_text":"Darf ich mitsehen?","cobrowsingButtonAcceptText":"Ja","cobrowsingButtonDenyText":"Nein"}},
        "survey":{{"active":true,"survey_question":"Wie war es?","survey_options":[{{"value":"good","label":"Gut"}},{{"value":"bad","label":"Schlecht"}}],
        "survey_comment_enable":true,"survey_comment":null,"survey_thanks_enable":true,"survey_thanks":null}}}}"##
    )
}
