//! XML namespace names used on the wire. Constants only, no logic.

/// Stanzas over a client stream.
pub const CLIENT: &str = "jabber:client";
/// RFC 7395 WebSocket framing (`<open/>`, `<close/>`).
pub const FRAMING: &str = "urn:ietf:params:xml:ns:xmpp-framing";
/// XEP-0124 BOSH: the `<body/>` wrapper.
pub const HTTPBIND: &str = "http://jabber.org/protocol/httpbind";
/// XEP-0206 XMPP over BOSH: the `xmpp:version` / `xmpp:restart` attributes.
pub const XBOSH: &str = "urn:xmpp:xbosh";
/// RFC 6120 stream namespace (`stream:features`, `stream:error`).
pub const STREAMS: &str = "http://etherx.jabber.org/streams";
/// RFC 6120 stream error conditions.
pub const STREAM_ERRORS: &str = "urn:ietf:params:xml:ns:xmpp-streams";
/// RFC 6120 stanza error conditions.
pub const STANZA_ERRORS: &str = "urn:ietf:params:xml:ns:xmpp-stanzas";
/// RFC 6120 SASL.
pub const SASL: &str = "urn:ietf:params:xml:ns:xmpp-sasl";
/// RFC 6120 resource binding.
pub const BIND: &str = "urn:ietf:params:xml:ns:xmpp-bind";
/// RFC 3921 session establishment (legacy, still offered).
pub const SESSION: &str = "urn:ietf:params:xml:ns:xmpp-session";
/// XEP-0198 stream management.
pub const SM: &str = "urn:xmpp:sm:3";
/// XEP-0199 ping.
pub const PING: &str = "urn:xmpp:ping";
/// XEP-0085 chat states.
pub const CHATSTATES: &str = "http://jabber.org/protocol/chatstates";
/// XEP-0172 user nickname.
pub const NICK: &str = "http://jabber.org/protocol/nick";
/// XEP-0359 stanza ids.
pub const SID: &str = "urn:xmpp:sid:0";
/// XEP-0313 message archive management.
pub const MAM: &str = "urn:xmpp:mam:2";
/// XEP-0059 result set management.
pub const RSM: &str = "http://jabber.org/protocol/rsm";
/// XEP-0297 forwarded.
pub const FORWARD: &str = "urn:xmpp:forward:0";
/// XEP-0203 delayed delivery.
pub const DELAY: &str = "urn:xmpp:delay";
/// XEP-0004 data forms.
pub const DATA_FORMS: &str = "jabber:x:data";
/// RFC 6121 roster.
pub const ROSTER: &str = "jabber:iq:roster";
/// XEP-0077 in-band registration.
pub const REGISTER: &str = "jabber:iq:register";
/// XEP-0077 stream feature.
pub const REGISTER_FEATURE: &str = "http://jabber.org/features/iq-register";
/// The seed's chat transfer payload.
pub const CB_FORWARD: &str = "http://cobrowser.io/protocol/chatsession#forward";
/// Our co-browsing request/answer payload (see `cobrowsing`).
pub const CB_COBROWSING: &str = "http://cobrowser.io/protocol/chatsession#cobrowsing";
