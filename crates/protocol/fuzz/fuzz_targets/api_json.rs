//! Public API replies: any status and body must give a value or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webchat_protocol::api;

fuzz_target!(|data: &[u8]| {
    let Some((&s, rest)) = data.split_first() else {
        return;
    };
    let Ok(body) = std::str::from_utf8(rest) else {
        return;
    };
    let status = [200u16, 201, 204, 400, 401, 404, 409, 500][s as usize % 8];
    let _ = api::parse_response::<api::Campaign>(status, body);
    let _ = api::parse_response::<Vec<api::CampaignSummary>>(status, body);
    let _ = api::parse_response::<api::ChatSession>(status, body);
    let _ = api::parse_response::<api::XmppCredentials>(status, body);
    let _ = api::parse_response::<api::Transcript>(status, body);
    let _ = api::check_status(status, body);
});
