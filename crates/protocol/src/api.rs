//! Public API types (`docs/protocol.md` §1) and the typed errors of its replies.
//!
//! What it does: serde types for every call of the CoBrowser Public API (`campaigns`,
//! `chatsessions`, `xmppcredentials`), our documented extensions (the `user` object on
//! `POST chatsessions`, a visitor's session list and a session transcript, the campaign's
//! `webchat` features and the per-visitor visibility verdict, see `devserver/API.md`), and
//! [`parse_response`], which turns an HTTP status and body into a
//! value or an [`ApiError`].
//!
//! What it does not: any I/O. Sending requests, headers (`X-API-TOKEN`) and timeouts belong to
//! the caller (the widget's fetch adapter, devserver's tests). The types are tolerant the way
//! real servers are: unknown fields are ignored, `null` is accepted wherever the seed shows it
//! (and for scalars that a manager may never have saved), `available_slots` may be `"∞"`.

use core::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::error::Category;

/// One entry of `GET campaigns`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSummary {
    pub id: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub active: bool,
}

/// `GET campaigns/{id}`: the campaign's look, availability and plugins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub name: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub active: bool,
    /// A CSS color such as `#0a6018`; `None` means "use the widget's default".
    #[serde(default)]
    pub color: Option<String>,
    /// A language tag such as `en` or `de`; `None` means English (the seed's default).
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub availability: bool,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub available_agents: u32,
    #[serde(default)]
    pub available_slots: AvailableSlots,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub cobrowsing: Cobrowsing,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub survey: Survey,
    /// Extension: the widget's features beyond the Public API (`"webchat": {…}`, camelCase
    /// keys). Absent (as from a backend without extensions) means every feature off.
    #[serde(
        default,
        deserialize_with = "serde_impls::null_default",
        skip_serializing_if = "WidgetFeatures::is_off"
    )]
    pub webchat: WidgetFeatures,
}

/// Extension: the campaign's `webchat` object, switches for widget features beyond the Public
/// API.
/// Unknown keys are ignored (later features add theirs); a missing key is off. Its
/// `Deserialize` is in `widget_config` (it also reads `[]`, PHP's empty object).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WidgetFeatures {
    /// `visibilityOverrides`: the widget reads this visitor's operator override
    /// (`GET visibility`) at start and with the agent rules' polling. Off: no such read at all.
    #[serde(
        default,
        rename = "visibilityOverrides",
        deserialize_with = "serde_impls::null_default"
    )]
    pub visibility_overrides: bool,
    /// The livechat configuration, side by side with the switches in the same object.
    #[serde(flatten)]
    pub config: crate::widget_config::WidgetConfig,
}

impl WidgetFeatures {
    /// Every feature off (the object is then left out of a campaign).
    pub fn is_off(&self) -> bool {
        *self == WidgetFeatures::default()
    }
}

/// Extension: an operator's visibility override (`"shown"`, `"hidden"` or `"auto"`: no
/// override, the page's rules decide).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OverrideVisibility {
    Shown,
    Hidden,
    #[default]
    Auto,
}

/// Extension: `GET visibility?campaign_id=…&tracker_id=…[&user=…]`, one visitor's verdict.
/// Only the verdict and its end: never who set it, for which scope, or why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibilityVerdict {
    pub visibility: OverrideVisibility,
    /// When the override ends, ms since the Unix epoch; `null`: until changed.
    #[serde(default)]
    pub until: Option<u64>,
}

impl VisibilityVerdict {
    /// No override.
    pub const AUTO: VisibilityVerdict = VisibilityVerdict {
        visibility: OverrideVisibility::Auto,
        until: None,
    };
}

/// `available_slots`: a count, or `"∞"` when at least one available agent has no chat limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvailableSlots {
    Number(u32),
    Unlimited,
}

impl AvailableSlots {
    /// The seed's spelling of "no limit".
    pub const INFINITY: &'static str = "∞";

    /// Whether one more chat fits.
    pub fn has_room(self) -> bool {
        self != AvailableSlots::Number(0)
    }
}

impl Default for AvailableSlots {
    fn default() -> Self {
        AvailableSlots::Number(0)
    }
}

/// The co-browsing (screen sharing) plugin. A plugin never saved by a manager is inactive with
/// `null` texts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cobrowsing {
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub active: bool,
    #[serde(default)]
    pub cbr_text: Option<String>,
    #[serde(default, rename = "cobrowsingButtonAcceptText")]
    pub accept_text: Option<String>,
    #[serde(default, rename = "cobrowsingButtonDenyText")]
    pub deny_text: Option<String>,
}

/// The customer survey plugin shown after the chat.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub active: bool,
    #[serde(default)]
    pub survey_question: Option<String>,
    /// `good`/`moderate`/`bad` for smileys, `good`/`bad` for thumbs, `[]` when never saved.
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub survey_options: Vec<SurveyOption>,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub survey_comment_enable: bool,
    #[serde(default)]
    pub survey_comment: Option<String>,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub survey_thanks_enable: bool,
    #[serde(default)]
    pub survey_thanks: Option<String>,
}

impl Survey {
    /// Whether the widget should offer the survey at all.
    pub fn is_offered(&self) -> bool {
        self.active && !self.survey_options.is_empty()
    }

    /// Whether `result` is one of the campaign's option values.
    pub fn allows_result(&self, result: &str) -> bool {
        self.survey_options.iter().any(|o| o.value == result)
    }
}

/// One survey answer: `value` is language-neutral, `label` is the manager's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyOption {
    pub value: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub label: String,
}

/// `POST chatsessions` body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatSessionRequest {
    pub campaign_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracker_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_url: Option<String>,
    /// Extension: the user attached with `CV.user.tag(...)`. A backend that does not know it
    /// ignores it and loses nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TaggedUser>,
}

/// Extension: a logged-in user as given to `CV.user.tag({...})`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaggedUser {
    pub email: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub firstname: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub lastname: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<UserId>,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub labels: Vec<String>,
    /// The nickname of the agent this user should be routed to when that agent is signed in.
    #[serde(
        default,
        alias = "assignedUser",
        skip_serializing_if = "Option::is_none"
    )]
    pub assigned_user: Option<String>,
    /// Request only: `hex(HMAC-SHA256(identity secret, id or lower-cased email))`, computed by
    /// the customer's server. Never echoed back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Reply only: whether the backend checked the signature. An unverified user is shown to
    /// the agent as such, gets no history and is not routed to `assigned_user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<bool>,
}

/// A host system's user id: kept as the host gave it, a string or a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserId {
    Text(String),
    Number(i64),
}

/// `POST`/`GET chatsessions`: one chat of one visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatSession {
    pub id: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub campaign_id: String,
    #[serde(default)]
    pub tracker_id: Option<String>,
    #[serde(default)]
    pub visitor_identifier: Option<String>,
    #[serde(default)]
    pub request_url: Option<String>,
    pub status: ChatSessionStatus,
    /// Extension: the tagged user, when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<TaggedUser>,
    /// Extension: the last survey answer accepted by `PATCH chatsessions/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub survey: Option<SurveyAnswer>,
    /// Extension, in `POST chatsessions`'s reply only: the secret that proves the caller is
    /// this chat's visitor (sent back as `X-Chat-Secret`). Kept with the chat, never shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor_secret: Option<String>,
}

/// The three statuses of the seed: `created`, then `active` once the agent has the chat, then
/// `closed` by the visitor, the agent or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatSessionStatus {
    #[serde(alias = "Created")]
    Created,
    #[serde(alias = "Active")]
    Active,
    #[serde(alias = "Closed")]
    Closed,
}

impl ChatSessionStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatSessionStatus::Created => "created",
            ChatSessionStatus::Active => "active",
            ChatSessionStatus::Closed => "closed",
        }
    }
}

/// `PATCH chatsessions/{id}` body: `{"survey":{"result":"good","message":"..."}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyPatch {
    pub survey: SurveyAnswer,
}

/// A survey answer: one option value and an optional comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `POST xmppcredentials` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XmppCredentialsRequest {
    pub chatsession_id: String,
}

/// `POST`/`GET xmppcredentials`: who the agent is and how the visitor logs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XmppCredentials {
    pub id: String,
    pub agent: AgentInfo,
    pub credentials: Credentials,
}

/// The agent assigned to a chat session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub firstname: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub nickname: String,
    /// The agent's bare JID, usually on a different domain from the visitor's.
    pub jid: String,
}

/// The visitor's XMPP login. `user` may be a bare local part or a full `local@domain`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub user: String,
    pub password: String,
    pub domain: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub resource: String,
}

impl Credentials {
    /// The SASL username: the local part of `user`.
    pub fn local_part(&self) -> &str {
        self.user.split('@').next().unwrap_or(&self.user)
    }
}

/// Extension `GET chatsessions/{id}/transcript`: the messages of one chat, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    pub chatsession_id: String,
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub messages: Vec<TranscriptMessage>,
}

/// One message of a transcript. `body` is plain text, never HTML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptMessage {
    /// Stable id (the XMPP `stanza-id` or message `id`), for de-duplication.
    pub id: String,
    pub from: Sender,
    /// The agent's nickname for agent messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    pub body: String,
    /// Milliseconds since the Unix epoch, as recorded by the server.
    #[serde(default, deserialize_with = "serde_impls::null_default")]
    pub timestamp: u64,
}

impl TranscriptMessage {
    /// The transcript id of a visitor's message: stanza ids are only unique per sender, so the
    /// backend prefixes them with the visitor's bare JID (`visitorjid:stanzaid`).
    pub fn visitor_message_id(visitor_bare_jid: &str, stanza_id: &str) -> String {
        format!("{visitor_bare_jid}:{stanza_id}")
    }

    /// The id the sender's client knows the message by: for a visitor's message the stanza id
    /// (what follows the last `:` of [`TranscriptMessage::visitor_message_id`]), for an agent's
    /// the id as it is.
    pub fn client_id(&self) -> &str {
        match self.from {
            Sender::Visitor => self
                .id
                .rsplit_once(':')
                .map_or(self.id.as_str(), |(_, s)| s),
            Sender::Agent => &self.id,
        }
    }
}

/// Who wrote a transcript message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Visitor,
    Agent,
}

/// Why a Public API call did not give the expected value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401: the `X-API-TOKEN` is missing, wrong or revoked.
    Unauthorized,
    /// 403: the token is fine but this caller may not have this: a chat that is not its own,
    /// a user's history without a valid signature. Carries the server's message.
    Forbidden(String),
    /// 404: no such campaign, chat session or credentials.
    NotFound,
    /// 409 `No Availability`: no agent signed in and available with a free slot.
    NoAvailability,
    /// 409 `CHAT_CAMPAIGN_INACTIVE`: the manager switched the campaign off.
    CampaignInactive,
    /// 400/422: the server refused the request, typically a survey answer the campaign does
    /// not allow. Carries the server's message (or `""` when it gave none).
    SurveyRejected(String),
    /// Any other non-success status.
    OtherStatus(u16),
    /// A success status whose body is not the expected JSON; says what was wrong.
    Unparsable(&'static str),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized => f.write_str("the API token was refused (401)"),
            ApiError::Forbidden(m) if m.is_empty() => f.write_str("not allowed (403)"),
            ApiError::Forbidden(m) => write!(f, "not allowed (403): {m}"),
            ApiError::NotFound => f.write_str("not found (404)"),
            ApiError::NoAvailability => f.write_str("no agent is available (409 No Availability)"),
            ApiError::CampaignInactive => {
                f.write_str("the campaign is inactive (409 CHAT_CAMPAIGN_INACTIVE)")
            }
            ApiError::SurveyRejected(m) if m.is_empty() => {
                f.write_str("the server rejected the request")
            }
            ApiError::SurveyRejected(m) => write!(f, "the server rejected the request: {m}"),
            ApiError::OtherStatus(s) => write!(f, "unexpected HTTP status {s}"),
            ApiError::Unparsable(why) => write!(f, "unreadable API reply: {why}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// Turns a reply into `T` on a 2xx status, or into the matching [`ApiError`].
pub fn parse_response<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, ApiError> {
    check_status(status, body)?;
    from_json(body).map_err(|e| {
        ApiError::Unparsable(match e.classify() {
            Category::Eof => "truncated JSON",
            Category::Data => "JSON of an unexpected shape",
            Category::Syntax | Category::Io => "not JSON",
        })
    })
}

/// Reads `T` from JSON text: the text into a `serde_json::Value`, then `T` from the tree.
///
/// Every JSON the widget reads goes this way, so the text parser is compiled once (for the
/// tree) and each type's reader once (against the tree) instead of each type's reader being
/// compiled into the parser: tens of KB less wasm. Errors are serde_json's: syntax and end of
/// input from the text, `Data` for a shape that is not `T`.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, serde_json::Error> {
    serde_json::from_value(serde_json::from_str(text)?)
}

/// `value` as JSON text, for a request body or the storage.
///
/// Serialising the types of this crate (and any type whose map keys are strings) cannot fail;
/// were it to, the text would be empty and the reader on the other side refuses it.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Like [`parse_response`] for calls whose reply body the caller does not need (`PATCH`).
pub fn check_status(status: u16, body: &str) -> Result<(), ApiError> {
    match status {
        200..=299 => Ok(()),
        401 => Err(ApiError::Unauthorized),
        403 => Err(ApiError::Forbidden(error_message(body))),
        404 => Err(ApiError::NotFound),
        // The markers are matched anywhere in the body: servers wrap them differently
        // (`{"Message": ...}`, `{"message": ...}`, plain text).
        409 if body.contains("CHAT_CAMPAIGN_INACTIVE") => Err(ApiError::CampaignInactive),
        409 if body.to_ascii_lowercase().contains("no availability") => {
            Err(ApiError::NoAvailability)
        }
        400 | 422 => Err(ApiError::SurveyRejected(error_message(body))),
        other => Err(ApiError::OtherStatus(other)),
    }
}

/// Longest plain-text error body kept, so a proxy's HTML page does not end up in the UI.
const MAX_PLAIN_MESSAGE: usize = 200;

fn error_message(body: &str) -> String {
    // The seed's error envelope (`Status`/`StatusText`/`Message`); other spellings are
    // accepted.
    if let Ok(serde_json::Value::Object(o)) = serde_json::from_str(body) {
        if let Some(m) = ["message", "Message", "error"]
            .into_iter()
            .find_map(|k| o.get(k).and_then(serde_json::Value::as_str))
        {
            return m.to_owned();
        }
    }
    let body = body.trim();
    if body.starts_with('{') || body.starts_with('<') {
        return String::new();
    }
    let mut end = body.len().min(MAX_PLAIN_MESSAGE);
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    body[..end].to_owned()
}

/// The hand-made parts of the serde forms: the two types with more than one JSON spelling, and
/// `null` read as a default.
pub(crate) mod serde_impls {
    use super::*;
    use core::fmt;
    use serde::de::{self, Deserializer, Visitor};
    use serde::Serializer;

    impl Serialize for AvailableSlots {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                AvailableSlots::Number(n) => serializer.serialize_u32(*n),
                AvailableSlots::Unlimited => serializer.serialize_str(Self::INFINITY),
            }
        }
    }

    impl<'de> Deserialize<'de> for AvailableSlots {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(SlotsVisitor)
        }
    }

    struct SlotsVisitor;

    impl<'de> Visitor<'de> for SlotsVisitor {
        type Value = AvailableSlots;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a slot count or \"∞\"")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(AvailableSlots::Number(u32::try_from(v).unwrap_or(u32::MAX)))
        }

        // "Max slots - Active slots" can dip below zero on a busy server: that is "no room".
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(AvailableSlots::Number(
                u32::try_from(v.max(0)).unwrap_or(u32::MAX),
            ))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let v = v.trim();
            if v == AvailableSlots::INFINITY || v.eq_ignore_ascii_case("inf") {
                return Ok(AvailableSlots::Unlimited);
            }
            // Some PHP backends send numbers as strings.
            v.parse::<u32>()
                .map(AvailableSlots::Number)
                .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(AvailableSlots::Number(0))
        }
    }

    impl Serialize for UserId {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            match self {
                UserId::Text(s) => serializer.serialize_str(s),
                UserId::Number(n) => serializer.serialize_i64(*n),
            }
        }
    }

    impl<'de> Deserialize<'de> for UserId {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(UserIdVisitor)
        }
    }

    struct UserIdVisitor;

    impl<'de> Visitor<'de> for UserIdVisitor {
        type Value = UserId;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a user id (string or integer)")
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(UserId::Number(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            // Ids above i64::MAX are kept exactly, as text.
            Ok(i64::try_from(v).map_or_else(|_| UserId::Text(v.to_string()), UserId::Number))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(UserId::Text(v.to_owned()))
        }
    }

    /// Reads `null` as the type's default: managers leave fields unsaved and PHP sends `null`.
    pub(crate) fn null_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `GET campaigns/{id}` exactly as the API's documentation shows it.
    const SEED_CAMPAIGN: &str = r##"{
"id": "Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX",
"name": "First Chat campaign",
"active": true,
"color": "#0a6018",
"language": "en",
"availability": true,
"available_agents": 1,
"available_slots": 5,
"cobrowsing": {
"active": true,
"cbr_text": "Screen sharing?",
"cobrowsingButtonAcceptText": "Yes",
"cobrowsingButtonDenyText": "No"
},
"survey": {
"survey_question": "How would you rate our service?",
"survey_options": [
{ "value": "good", "label": "Good" },
{ "value": "moderate", "label": "Might be better" },
{ "value": "bad", "label": "Bad" }
],
"survey_comment_enable": true,
"survey_comment": "Help us out to improve our service with your comments",
"survey_thanks_enable": true,
"survey_thanks": "Thanks for your time and comments",
"active": true
}
}"##;

    #[test]
    fn test_simple_campaign_list() {
        let body = r#"[
{
"id":"Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX",
"name":"First Chat Campaign",
"active":true
},{
"id":"UqJEeQ1w3VyhauoHuwsygIJrCaKzFRKCi",
"name":"Second Chat Campaign",
"active":false
}
]"#;
        let list: Vec<CampaignSummary> = parse_response(200, body).unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].id, "Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX");
        assert!(list[0].active);
        assert_eq!(list[1].name, "Second Chat Campaign");
        assert!(!list[1].active);
    }

    #[test]
    fn test_simple_campaign() {
        let c: Campaign = parse_response(200, SEED_CAMPAIGN).unwrap();
        assert_eq!(c.color.as_deref(), Some("#0a6018"));
        assert_eq!(c.language.as_deref(), Some("en"));
        assert!(c.availability);
        assert_eq!(c.available_agents, 1);
        assert_eq!(c.available_slots, AvailableSlots::Number(5));
        assert!(c.cobrowsing.active);
        assert_eq!(c.cobrowsing.accept_text.as_deref(), Some("Yes"));
        assert_eq!(c.cobrowsing.deny_text.as_deref(), Some("No"));
        assert!(c.survey.is_offered());
        assert_eq!(c.survey.survey_options.len(), 3);
        assert_eq!(c.survey.survey_options[1].label, "Might be better");
        assert!(c.survey.allows_result("moderate"));
        assert!(!c.survey.allows_result("excellent"));
        assert!(c.survey.survey_comment_enable && c.survey.survey_thanks_enable);
    }

    #[test]
    fn test_campaign_never_saved_plugins() {
        // What the seed says a fresh campaign looks like: slots "∞", null texts, [] options.
        let body = r##"{"id":"x","name":"Zweite","active":true,"color":"#123456","language":"de",
            "availability":true,"available_agents":2,"available_slots":"∞",
            "cobrowsing":{"active":false,"cbr_text":null,"cobrowsingButtonAcceptText":null,
                          "cobrowsingButtonDenyText":null},
            "survey":{"active":false,"survey_question":null,"survey_options":[],
                      "survey_comment_enable":false,"survey_comment":null,
                      "survey_thanks_enable":false,"survey_thanks":null}}"##;
        let c: Campaign = parse_response(200, body).unwrap();
        assert_eq!(c.available_slots, AvailableSlots::Unlimited);
        assert!(c.available_slots.has_room());
        assert_eq!(c.cobrowsing, Cobrowsing::default());
        assert_eq!(c.survey, Survey::default());
        assert!(!c.survey.is_offered());
    }

    #[test]
    fn test_campaign_tolerates_extra_missing_and_null_fields() {
        let body = r#"{"id":"x","name":null,"active":true,"color":null,"availability":null,
            "available_agents":null,"available_slots":null,"survey":null,"new_field":{"a":[1]},
            "cobrowsing":{"active":true,"extra":1}}"#;
        let c: Campaign = parse_response(200, body).unwrap();
        assert_eq!(c.name, "");
        assert_eq!(c.color, None);
        assert_eq!(c.language, None);
        assert!(!c.availability);
        assert_eq!(c.available_slots, AvailableSlots::Number(0));
        assert!(!c.available_slots.has_room());
        assert!(c.cobrowsing.active);
        assert_eq!(c.cobrowsing.cbr_text, None);
        assert_eq!(c.survey, Survey::default());
    }

    #[test]
    fn test_campaign_webchat_features() {
        let c: Campaign = parse_response(200, SEED_CAMPAIGN).unwrap();
        assert!(c.webchat.is_off(), "a seed campaign has none");
        let c: Campaign = parse_response(
            200,
            r#"{"id":"x","webchat":{"visibilityOverrides":true,"somethingLater":[1]}}"#,
        )
        .unwrap();
        assert!(c.webchat.visibility_overrides);
        let c: Campaign = parse_response(200, r#"{"id":"x","webchat":{}}"#).unwrap();
        assert!(!c.webchat.visibility_overrides);
        // The livechat configuration's keys do not disturb the reader (serde reads them).
        let c: Campaign = parse_response(
            200,
            r#"{"id":"x","webchat":{"registrationForm":true,"departments":[{"id":"s"}],
                "triggers":[{"id":"t","message":"Hi","rules":{"secondsOnPage":5}}],
                "visibilityOverrides":true,"offlineTitle":null}}"#,
        )
        .unwrap();
        assert!(c.webchat.visibility_overrides);
        assert!(c.webchat.config.registration_form);
        assert_eq!(c.webchat.config.departments[0].id, "s");
        assert_eq!(c.webchat.config.triggers[0].rules["secondsOnPage"], 5);
        assert_eq!(c.webchat.config.offline_title, None);
        // A key of the wrong type makes the campaign unreadable, as for the seed's keys.
        assert!(matches!(
            parse_response::<Campaign>(200, r#"{"id":"x","webchat":{"departments":"s"}}"#),
            Err(ApiError::Unparsable(_))
        ));
    }

    #[test]
    fn test_simple_visibility_verdict() {
        let v: VisibilityVerdict =
            parse_response(200, r#"{"visibility":"hidden","until":1767225600000}"#).unwrap();
        assert_eq!(v.visibility, OverrideVisibility::Hidden);
        assert_eq!(v.until, Some(1_767_225_600_000));
        let v: VisibilityVerdict = parse_response(200, r#"{"visibility":"auto"}"#).unwrap();
        assert_eq!(v, VisibilityVerdict::AUTO);
        assert_eq!(
            parse_response::<VisibilityVerdict>(404, "{}"),
            Err(ApiError::NotFound)
        );
    }

    #[test]
    fn test_invalid_visibility_verdict() {
        for bad in [
            r#"{"visibility":"invisible"}"#,
            r#"{"until":5}"#,
            r#"{"visibility":true}"#,
            r#"{"visibility":"shown","until":"tomorrow"}"#,
        ] {
            assert!(
                parse_response::<VisibilityVerdict>(200, bad).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn test_slots_forms() {
        let parse = |s: &str| serde_json::from_str::<AvailableSlots>(s);
        assert_eq!(parse("5").unwrap(), AvailableSlots::Number(5));
        assert_eq!(parse("\"7\"").unwrap(), AvailableSlots::Number(7));
        assert_eq!(parse("-2").unwrap(), AvailableSlots::Number(0));
        assert_eq!(parse("\"∞\"").unwrap(), AvailableSlots::Unlimited);
        assert_eq!(
            parse("99999999999").unwrap(),
            AvailableSlots::Number(u32::MAX)
        );
    }

    #[test]
    fn test_invalid_slots() {
        assert!(serde_json::from_str::<AvailableSlots>("\"many\"").is_err());
        assert!(serde_json::from_str::<AvailableSlots>("[]").is_err());
        assert!(serde_json::from_str::<AvailableSlots>("true").is_err());
        assert!(serde_json::from_str::<AvailableSlots>("1.5").is_err());
    }

    #[test]
    fn test_serialise_slots_round_trip() {
        assert_eq!(
            serde_json::to_string(&AvailableSlots::Unlimited).unwrap(),
            "\"∞\""
        );
        assert_eq!(
            serde_json::to_string(&AvailableSlots::Number(3)).unwrap(),
            "3"
        );
        let c: Campaign = serde_json::from_str(SEED_CAMPAIGN).unwrap();
        let again: Campaign = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(c, again);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["cobrowsing"]["cobrowsingButtonAcceptText"], "Yes");
    }

    #[test]
    fn test_serialise_chatsession_request() {
        let minimal = ChatSessionRequest {
            campaign_id: "c1".into(),
            ..Default::default()
        };
        assert_eq!(to_json(&minimal), r#"{"campaign_id":"c1"}"#);
        let full = ChatSessionRequest {
            campaign_id: "c1".into(),
            tracker_id: Some("9082734890274".into()),
            visitor_identifier: Some("a@b.example".into()),
            request_url: Some("https://www.customers-portal.com".into()),
            user: Some(TaggedUser {
                email: "a@b.example".into(),
                firstname: "Ada".into(),
                lastname: "Lovelace".into(),
                id: Some(UserId::Number(42)),
                labels: vec!["vip".into()],
                assigned_user: Some("agent1".into()),
                signature: Some("5bdc".repeat(16)),
                verified: None,
            }),
        };
        let json = serde_json::to_value(&full).unwrap();
        assert_eq!(json["user"]["id"], 42);
        assert_eq!(json["user"]["assigned_user"], "agent1");
        assert_eq!(json["user"]["signature"], "5bdc".repeat(16).as_str());
        assert!(json["user"].get("verified").is_none());
        let back: ChatSessionRequest = serde_json::from_value(json).unwrap();
        assert_eq!(back, full);
    }

    #[test]
    fn test_simple_tagged_user_forms() {
        let u: TaggedUser = serde_json::from_str(
            r#"{"email":"a@b.example","firstname":"A","lastname":"B","id":"u-7","assignedUser":"agent2"}"#,
        )
        .unwrap();
        assert_eq!(u.id, Some(UserId::Text("u-7".into())));
        assert_eq!(u.assigned_user.as_deref(), Some("agent2"));
        assert!(u.labels.is_empty());
        let big: TaggedUser =
            serde_json::from_str(r#"{"email":"a@b","id":18446744073709551615}"#).unwrap();
        assert_eq!(big.id, Some(UserId::Text("18446744073709551615".into())));
        assert!(serde_json::from_str::<TaggedUser>(r#"{"firstname":"no email"}"#).is_err());
        assert!(serde_json::from_str::<TaggedUser>(r#"{"email":"a@b","id":[1]}"#).is_err());
        let checked: TaggedUser =
            serde_json::from_str(r#"{"email":"a@b","verified":false}"#).unwrap();
        assert_eq!((checked.verified, checked.signature), (Some(false), None));
    }

    #[test]
    fn test_simple_chatsession() {
        // The seed's example is missing two commas; this is it with them restored.
        let body = r#"{
"id": "u2Ya9LtnN15EOx9tFheIcqw6a5CHkSMY",
"campaign_id": "Tm1dyqk5Nvq5TibLRSyJUkJX2kawLsHX",
"tracker_id": "9082734890274",
"visitor_identifier": "customer_id@customers-portal.com",
"request_url": "https://www.customers-portal.com",
"status": "active"
}"#;
        let s: ChatSession = parse_response(200, body).unwrap();
        assert_eq!(s.status, ChatSessionStatus::Active);
        assert_eq!(s.tracker_id.as_deref(), Some("9082734890274"));
        assert_eq!(s.user, None);
        let closed: ChatSession =
            parse_response(200, r#"{"id":"a","campaign_id":"c","status":"Closed"}"#).unwrap();
        assert_eq!(closed.status, ChatSessionStatus::Closed);
        assert_eq!(closed.request_url, None);
        assert_eq!(serde_json::to_value(&closed).unwrap()["status"], "closed");
    }

    #[test]
    fn test_invalid_chatsession() {
        assert_eq!(
            parse_response::<ChatSession>(200, r#"{"id":"a","status":"paused"}"#),
            Err(ApiError::Unparsable("JSON of an unexpected shape"))
        );
        // The seed's example verbatim (missing commas) is not JSON: report, don't guess.
        assert_eq!(
            parse_response::<ChatSession>(
                200,
                "{\n\"id\": \"u2\",\n\"visitor_identifier\": \"x\"\n\"status\": \"created\"\n}"
            ),
            Err(ApiError::Unparsable("not JSON"))
        );
    }

    #[test]
    fn test_simple_credentials() {
        let body = r#"{
"id": "__ckvyUblnUWSxIQ0qmjgM41xclB9ELO8uZ_K0-Hn0iilI1SQYdSRijQ",
"agent": {
"firstname": "James",
"nickname": "agent1",
"jid": "58b92dcec1bab6.36437731@internal.xmpp.app.cobrowser.com"
},
"credentials": {
"user": "anonymous.470d241f427cf5f8e2234ab750b08@xmpp.app.cobrowser.com",
"password": "2d28afe9e39e8b65969991234d9adc496c82cde2390277c822a2b2f",
"domain": "xmpp.app.cobrowser.com",
"resource": "671b3e643bcc9a7"
}
}"#;
        let c: XmppCredentials = parse_response(200, body).unwrap();
        assert_eq!(c.agent.nickname, "agent1");
        assert_eq!(
            c.credentials.local_part(),
            "anonymous.470d241f427cf5f8e2234ab750b08"
        );
        assert_eq!(c.credentials.resource, "671b3e643bcc9a7");
        let bare = Credentials {
            user: "visitor7".into(),
            ..c.credentials.clone()
        };
        assert_eq!(bare.local_part(), "visitor7");
    }

    #[test]
    fn test_serialise_requests() {
        let patch = SurveyPatch {
            survey: SurveyAnswer {
                result: "good".into(),
                message: Some("description of the survey".into()),
            },
        };
        assert_eq!(
            to_json(&patch),
            r#"{"survey":{"result":"good","message":"description of the survey"}}"#
        );
        let no_comment = SurveyPatch {
            survey: SurveyAnswer {
                result: "bad".into(),
                message: None,
            },
        };
        assert_eq!(to_json(&no_comment), r#"{"survey":{"result":"bad"}}"#);
        let req = XmppCredentialsRequest {
            chatsession_id: "u2".into(),
        };
        assert_eq!(to_json(&req), r#"{"chatsession_id":"u2"}"#);
    }

    #[test]
    fn test_simple_transcript() {
        let body = r#"{"chatsession_id":"s1","messages":[
            {"id":"m1","from":"visitor","body":"hi","timestamp":1},
            {"id":"m2","from":"agent","nick":"agent1","body":"<b>hello</b>","timestamp":2}]}"#;
        let t: Transcript = parse_response(200, body).unwrap();
        assert_eq!(t.messages.len(), 2);
        assert_eq!(t.messages[1].from, Sender::Agent);
        assert_eq!(t.messages[1].body, "<b>hello</b>");
        assert_eq!(t.messages[0].nick, None);
        let list: Vec<ChatSession> = parse_response(200, "[]").unwrap();
        assert!(list.is_empty());
    }

    #[test]
    fn transcript_ids_map_back_to_what_the_client_sent() {
        let id = TranscriptMessage::visitor_message_id("v1@webchat.test", "vabc");
        assert_eq!(id, "v1@webchat.test:vabc");
        let message = |id: &str, from| TranscriptMessage {
            id: id.into(),
            from,
            nick: None,
            body: "x".into(),
            timestamp: 0,
        };
        assert_eq!(message(&id, Sender::Visitor).client_id(), "vabc");
        assert_eq!(message("plain", Sender::Visitor).client_id(), "plain");
        assert_eq!(message("a:b", Sender::Agent).client_id(), "a:b");
    }

    #[test]
    fn test_errors_by_status() {
        let seed_409 =
            r#"{"Status":409,"StatusText":"Conflict","Message":"CHAT_CAMPAIGN_INACTIVE"}"#;
        assert_eq!(
            parse_response::<ChatSession>(409, seed_409),
            Err(ApiError::CampaignInactive)
        );
        assert_eq!(
            parse_response::<ChatSession>(409, r#"{"message":"No Availability"}"#),
            Err(ApiError::NoAvailability)
        );
        assert_eq!(
            parse_response::<ChatSession>(409, "No availability"),
            Err(ApiError::NoAvailability)
        );
        assert_eq!(
            parse_response::<ChatSession>(409, r#"{"Message":"Something else"}"#),
            Err(ApiError::OtherStatus(409))
        );
        assert_eq!(
            parse_response::<Campaign>(401, ""),
            Err(ApiError::Unauthorized)
        );
        let forbidden = check_status(
            403,
            r#"{"Status":403,"StatusText":"Forbidden","Message":"the X-Chat-Secret is not this chat's"}"#,
        );
        assert_eq!(
            forbidden,
            Err(ApiError::Forbidden(
                "the X-Chat-Secret is not this chat's".into()
            ))
        );
        assert_eq!(
            forbidden.unwrap_err().to_string(),
            "not allowed (403): the X-Chat-Secret is not this chat's"
        );
        assert_eq!(
            check_status(403, "<html>denied</html>"),
            Err(ApiError::Forbidden(String::new()))
        );
        assert_eq!(
            parse_response::<Campaign>(
                404,
                r#"{"Status":404,"StatusText":"Not found","Message":"Not found"}"#
            ),
            Err(ApiError::NotFound)
        );
        assert_eq!(
            check_status(400, r#"{"Status":400,"Message":"comments are disabled"}"#),
            Err(ApiError::SurveyRejected("comments are disabled".into()))
        );
        assert_eq!(
            check_status(422, "moderate is not allowed"),
            Err(ApiError::SurveyRejected("moderate is not allowed".into()))
        );
        assert_eq!(
            check_status(400, "<html><body>Bad gateway page</body></html>"),
            Err(ApiError::SurveyRejected(String::new()))
        );
        assert_eq!(check_status(501, ""), Err(ApiError::OtherStatus(501)));
        assert_eq!(check_status(204, ""), Ok(()));
    }

    #[test]
    fn test_invalid_bodies() {
        assert_eq!(
            parse_response::<Campaign>(200, ""),
            Err(ApiError::Unparsable("truncated JSON"))
        );
        assert_eq!(
            parse_response::<Campaign>(200, "<html>maintenance</html>"),
            Err(ApiError::Unparsable("not JSON"))
        );
        assert_eq!(
            parse_response::<Campaign>(200, r#"{"id":"x","available_slots":"lots"}"#),
            Err(ApiError::Unparsable("JSON of an unexpected shape"))
        );
        assert_eq!(
            parse_response::<Vec<CampaignSummary>>(200, r#"{"id":"x"}"#),
            Err(ApiError::Unparsable("JSON of an unexpected shape"))
        );
        assert_eq!(
            parse_response::<XmppCredentials>(200, r#"{"id":"x","agent":{"jid":"a@b"}}"#),
            Err(ApiError::Unparsable("JSON of an unexpected shape"))
        );
        // A long plain error body is cut on a character boundary.
        let long = "é".repeat(300);
        match check_status(400, &long) {
            Err(ApiError::SurveyRejected(m)) => {
                assert!(m.len() <= MAX_PLAIN_MESSAGE && !m.is_empty())
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    /// Odd bodies (nulls, numbers out of range or written as text, PHP's `[]` for an empty
    /// object, unknown enum spellings) through every reply type: none panics, what is accepted
    /// writes back to text that reads as the same value, and the lenient spots read as
    /// documented.
    #[test]
    fn test_odd_bodies() {
        fn round_trip<T>(body: &str) -> bool
        where
            T: Serialize + DeserializeOwned + PartialEq + fmt::Debug,
        {
            let Ok(v) = from_json::<T>(body) else {
                return false;
            };
            assert_eq!(from_json::<T>(&to_json(&v)).ok(), Some(v), "{body}");
            true
        }
        let bodies = [
            SEED_CAMPAIGN,
            r#"{"id":"x","available_slots":"lots"}"#,
            r#"{"id":"x","available_slots":-3,"available_agents":null,"survey":null}"#,
            r#"{"id":"x","available_slots":1.5}"#,
            r#"{"id":"x","available_slots":" 7 ","available_agents":4294967296}"#,
            r#"{"id":"x","available_slots":99999999999999999999}"#,
            r#"{"id":null}"#,
            r#"{"id":"a","campaign_id":"c","status":"Closed","user":{"email":"e","id":-1}}"#,
            r#"{"id":"a","status":"paused"}"#,
            r#"{"email":"a@b","id":18446744073709551615,"labels":null,"assignedUser":"n"}"#,
            r#"{"email":"a@b","id":1e3}"#,
            r#"{"email":"a@b","labels":["x",2]}"#,
            r#"{"chatsession_id":"s","messages":[{"id":"m","from":"agent","body":"b"}]}"#,
            r#"{"chatsession_id":"s","messages":[{"id":"m","from":"bot","body":"b"}]}"#,
            r#"{"id":"i","agent":{"jid":"a@b","nickname":null},"credentials":{"user":"u","password":"p","domain":"d"}}"#,
            r#"[{"id":"a"},{"id":"b","name":null,"active":true}]"#,
            r#"{"id":"r","h_in":3,"h_out":1,"unacked":["<message/>"],"jid":"a@b/c"}"#,
            r#"{"id":"x","webchat":{"visibilityOverrides":true,"later":{"a":1}}}"#,
            r#"{"id":"x","webchat":{"visibilityOverrides":null}}"#,
            r#"{"id":"x","webchat":null}"#,
            r#"{"id":"x","webchat":[]}"#,
            r#"{"id":"x","webchat":"yes"}"#,
            r#"{"id":"x","webchat":{"visibilityOverrides":1}}"#,
            r#"{"visibility":"hidden","until":1767225600000}"#,
            r#"{"visibility":"auto","until":null}"#,
            r#"{"visibility":"shown"}"#,
            r#"{"visibility":"Hidden"}"#,
            r#"{"visibility":null}"#,
            r#"{"visibility":"hidden","until":-1}"#,
            r#"{"visibility":"hidden","until":1.5}"#,
            "[]",
            "null",
            "5",
        ];
        // Per body, which of Campaign, Vec<CampaignSummary>, ChatSession, TaggedUser,
        // Transcript, XmppCredentials, ResumeState, VisibilityVerdict, WidgetFeatures read it.
        let read: Vec<String> = bodies
            .iter()
            .map(|body| {
                [
                    round_trip::<Campaign>(body),
                    round_trip::<Vec<CampaignSummary>>(body),
                    round_trip::<ChatSession>(body),
                    round_trip::<TaggedUser>(body),
                    round_trip::<Transcript>(body),
                    round_trip::<XmppCredentials>(body),
                    round_trip::<crate::ResumeState>(body),
                    round_trip::<VisibilityVerdict>(body),
                    round_trip::<WidgetFeatures>(body),
                ]
                .iter()
                .map(|&ok| if ok { 'x' } else { '.' })
                .collect()
            })
            .collect();
        assert_eq!(
            read,
            [
                "x.......x",
                "........x",
                "x.......x",
                "........x",
                "........x",
                "........x",
                "........x",
                "x.x.....x",
                "x.......x",
                "...x....x",
                "........x",
                "........x",
                "....x...x",
                "........x",
                "x....x..x",
                ".x.......",
                "x.....x.x",
                "x.......x",
                "x.......x",
                "x.......x",
                "x.......x",
                "........x",
                "........x",
                ".......xx",
                ".......xx",
                ".......xx",
                "........x",
                "........x",
                "........x",
                "........x",
                ".x......x",
                ".........",
                ".........",
            ]
        );
        let c: Campaign = serde_json::from_str(bodies[2]).unwrap();
        assert_eq!(c.available_slots, AvailableSlots::Number(0));
        let c: Campaign = serde_json::from_str(r#"{"id":"x","available_slots":" 7 "}"#).unwrap();
        assert_eq!(c.available_slots, AvailableSlots::Number(7));
        let u: TaggedUser = serde_json::from_str(bodies[9]).unwrap();
        assert_eq!(u.id, Some(UserId::Text("18446744073709551615".into())));
        assert_eq!(u.assigned_user.as_deref(), Some("n"));
        let c: Campaign = serde_json::from_str(bodies[20]).unwrap();
        assert!(c.webchat.is_off(), "PHP's empty array");
        // What devserver writes, the widget reads.
        let verdict = VisibilityVerdict {
            visibility: OverrideVisibility::Hidden,
            until: Some(1_767_225_600_000),
        };
        assert_eq!(
            serde_json::to_string(&verdict).unwrap(),
            r#"{"visibility":"hidden","until":1767225600000}"#
        );
        assert_eq!(
            serde_json::to_string(&VisibilityVerdict::AUTO).unwrap(),
            r#"{"visibility":"auto","until":null}"#
        );
        let c: Campaign = serde_json::from_str(SEED_CAMPAIGN).unwrap();
        let seed_shape = serde_json::to_value(&c).unwrap();
        assert!(
            seed_shape.get("webchat").is_none(),
            "no features: no object"
        );
        let with = Campaign {
            webchat: WidgetFeatures {
                visibility_overrides: true,
                ..Default::default()
            },
            ..c
        };
        let text = serde_json::to_string(&with).unwrap();
        assert!(
            text.contains(r#""webchat":{"visibilityOverrides":true}"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<Campaign>(&text).unwrap(), with);
        let session: ChatSession = serde_json::from_str(bodies[7]).unwrap();
        let request = ChatSessionRequest {
            campaign_id: "c\"\n".into(),
            user: session.user.clone(),
            ..Default::default()
        };
        assert_eq!(
            to_json(&request),
            r#"{"campaign_id":"c\"\n","user":{"email":"e","firstname":"","lastname":"","id":-1,"labels":[]}}"#
        );
    }

    #[test]
    fn test_display_messages() {
        assert_eq!(
            ApiError::CampaignInactive.to_string(),
            "the campaign is inactive (409 CHAT_CAMPAIGN_INACTIVE)"
        );
        assert_eq!(
            ApiError::SurveyRejected("no comments".into()).to_string(),
            "the server rejected the request: no comments"
        );
        assert_eq!(
            ApiError::OtherStatus(502).to_string(),
            "unexpected HTTP status 502"
        );
        assert_eq!(
            ApiError::Unparsable("not JSON").to_string(),
            "unreadable API reply: not JSON"
        );
    }
}
