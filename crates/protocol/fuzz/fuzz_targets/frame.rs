//! One frame through the XML parser and every element parser that could see it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use webchat_protocol::{features, framing, mam, ns, sasl, sm, stanza, stream_error, xml};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(el) = xml::parse(s, ns::CLIENT) else {
        return;
    };
    // Serialising what we parsed must give a frame that parses back, and serialising is
    // stable from then on (the first pass may drop characters XML cannot carry, like NUL).
    let once = el.to_xml();
    let again = xml::parse(&once, "").expect("serialised XML re-parses");
    assert_eq!(again.to_xml(), once);
    let _ = features::Features::from_element(&el);
    let _ = framing::Open::from_element(&el);
    let _ = stream_error::StreamError::from_element(&el);
    let _ = sm::Nonza::from_element(&el);
    let _ = sasl::parse_server(&el);
    let _ = mam::Fin::from_element(&el);
    let _ = stanza::Stanza::parse(el);
});
