//! The life of a chat and what to do when the Public API fails.
//!
//! 1. `GET campaigns/{id}`: the campaign's look, availability, survey and co-browsing. Inactive,
//!    401 and 404 hide the widget for good with one console error; network trouble, 5xx, 408
//!    and 429 retry with backoff while the widget shows a calm "connecting".
//! 2. The first message starts a chat: `POST chatsessions`, then `POST xmppcredentials`, then
//!    the XMPP side ([`link`](super::link)). 409 No Availability turns the widget offline with
//!    the text kept; other refusals end the attempt with one error.
//! 3. Over (by either side, or blocked); a new chat goes back to ready (not after a block).
//!
//! [`backoff_ms`] is the retry policy every retry shares.

use webchat_protocol::api::{
    self, ApiError, Campaign, ChatSession, ChatSessionRequest, XmppCredentials,
    XmppCredentialsRequest,
};
use webchat_protocol::widget_config::WidgetConfig;

use super::identity::{visitor_proof, UserApi};
use super::io::{encode_path, HttpReply, Level, Method, RandomExt, ViewUpdate};
use super::prechat::chat_session_body;
use super::timers::Timer;
use super::{Purpose, Session};
use crate::events::HostEvent;

/// Longest backoff between retries (campaign load, chat start, reconnect).
pub const MAX_BACKOFF_MS: u64 = 30_000;

/// Where the session is in the chat's life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for the storage to be read.
    #[default]
    Booting,
    /// Reading the campaign.
    Loading,
    /// Hidden for good (inactive, 401, 404), or suspended.
    Hidden,
    /// The campaign is applied; the next message starts a chat.
    Ready,
    /// Creating the session and credentials.
    Starting,
    /// An XMPP chat exists.
    Live(LinkState),
    /// Ended by either side, or blocked.
    Over {
        /// The agent blocked the visitor: no new chat.
        blocked: bool,
    },
}

/// The XMPP stream of a live chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkState {
    /// Logging in for the first time.
    Connecting,
    /// Connected.
    Up,
    /// Lost; reconnecting.
    Down,
}

/// What the retry timer does when it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    LoadCampaign,
    StartChat,
    Reconnect,
    /// `GET xmppcredentials/{id}` for a chat restored from storage.
    Restore,
}

/// The lifecycle's part of the state.
#[derive(Debug, Default)]
pub(crate) struct Lifecycle {
    pub stage: Stage,
    pub campaign: Option<Campaign>,
    /// A chat can start now: the campaign said so (or the visibility rules' latest poll), and
    /// the last attempt was not refused for lack of agents.
    pub available: bool,
    /// Failed attempts in a row (the backoff grows with it).
    pub attempt: u32,
    pub retry: Option<Retry>,
    /// Bumped whenever replies in flight must be ignored (new chat, reset, end, suspend).
    pub epoch: u64,
}

/// Why the widget gave up on the campaign (it is hidden).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// The API said so.
    Api(ApiError),
    /// The campaign is switched off.
    Inactive,
}

impl std::fmt::Display for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Hidden::Api(ApiError::Unauthorized) => {
                f.write_str("the API token was refused (401): check `apiToken`")
            }
            Hidden::Api(ApiError::NotFound) => {
                f.write_str("the campaign does not exist (404): check `campaign`")
            }
            Hidden::Api(e) => write!(f, "{e}"),
            Hidden::Inactive => f.write_str("the campaign is inactive"),
        }
    }
}

/// How a failed REST call is handled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Worth retrying later (no reply, 5xx, 408, 429).
    Transient(String),
    /// The API refused for good.
    Api(ApiError),
}

impl Failure {
    fn from_api(e: ApiError) -> Failure {
        match e {
            ApiError::OtherStatus(s) if s >= 500 || s == 429 || s == 408 => {
                Failure::Transient(format!("HTTP {s}"))
            }
            other => Failure::Api(other),
        }
    }
}

/// Parses a reply as `T` (with the body text), classifying what went wrong.
pub(crate) fn parse_reply<T: serde::de::DeserializeOwned>(
    reply: HttpReply,
) -> Result<(T, String), Failure> {
    match reply {
        HttpReply::Response { status, body } => api::parse_response::<T>(status, &body)
            .map(|v| (v, body))
            .map_err(Failure::from_api),
        HttpReply::Failed(why) => Err(Failure::Transient(why)),
    }
}

/// The delay before retry number `attempt` (1, 2, …): exponential from 1 s, capped at
/// [`MAX_BACKOFF_MS`], with "full jitter" over its upper half so that many widgets cut off
/// together do not come back in lockstep.
pub fn backoff_ms(attempt: u32, jitter: f64) -> u64 {
    let ceiling = 1000u64
        .saturating_mul(1 << attempt.saturating_sub(1).min(5))
        .min(MAX_BACKOFF_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    ceiling / 2 + ((ceiling / 2) as f64 * jitter) as u64
}

impl Session {
    // ---- the campaign ----

    pub(super) fn load_campaign(&mut self) {
        let path = format!("campaigns/{}", encode_path(&self.options.campaign));
        let epoch = self.life.epoch;
        self.request(
            Purpose::Campaign { epoch },
            (Method::Get, path),
            Vec::new(),
            None,
        );
    }

    pub(super) fn campaign_read(&mut self, epoch: u64, reply: HttpReply) {
        if epoch != self.life.epoch {
            return;
        }
        match parse_reply::<Campaign>(reply) {
            Ok((c, _)) if !c.active => self.hide(Hidden::Inactive),
            Ok((c, text)) => {
                self.remember_campaign(text);
                self.apply_campaign(c);
            }
            Err(Failure::Transient(why)) => self.retry_later(Retry::LoadCampaign, &why),
            Err(Failure::Api(ApiError::CampaignInactive)) => self.hide(Hidden::Inactive),
            Err(Failure::Api(e)) => self.hide(Hidden::Api(e)),
        }
    }

    /// `c` with the host page's livechat options put over the campaign's configuration.
    pub(super) fn with_overrides(&mut self, mut c: Campaign) -> Campaign {
        let Some(over) = &self.options.livechat else {
            return c;
        };
        match c.webchat.config.overlaid(over) {
            Ok(config) => c.webchat.config = config,
            // `init` checked the options: only a campaign the overlay cannot go with gets here.
            Err(e) => self.log(Level::Error, format!("webchat: option `livechat`: {e}")),
        }
        c
    }

    fn apply_campaign(&mut self, c: Campaign) {
        let c = self.with_overrides(c);
        self.life.attempt = 0;
        self.life.available = c.availability;
        self.view.push(ViewUpdate::Campaign(Box::new(c.clone())));
        self.life.campaign = Some(c);
        self.life.stage = Stage::Ready;
        if !std::mem::take(&mut self.options.ready_announced) {
            self.emit(HostEvent::Ready);
        }
        if self.follows() {
            self.follower_ready();
            return;
        }
        if let Some(saved) = self.keep.restoring.take() {
            return self.continue_saved(saved);
        }
        self.requeue_saved_outbox();
        if !self.outbox.queue.is_empty() {
            if self.life.available {
                // The visitor wrote while the campaign loaded: start the chat now.
                self.start_chat();
            } else {
                self.no_availability();
            }
        }
    }

    /// The campaign cannot be used: the widget goes away with one console error.
    fn hide(&mut self, why: Hidden) {
        self.life.stage = Stage::Hidden;
        self.forget_campaign();
        let message = format!(
            "webchat: hidden: {why} (campaign {})",
            self.options.campaign
        );
        self.log(Level::Error, message.clone());
        self.emit(HostEvent::Error { message });
        self.view.push(ViewUpdate::Unavailable);
    }

    /// Whether the campaign has a survey.
    pub(super) fn has_survey(&self) -> bool {
        self.life.campaign.as_ref().is_some_and(|c| c.survey.active)
    }

    /// The campaign's livechat configuration (with the page's options), once read.
    pub(super) fn livechat(&self) -> Option<&WidgetConfig> {
        self.life.campaign.as_ref().map(|c| &c.webchat.config)
    }

    /// The campaign's text for the end of a chat, when it has one.
    pub(super) fn finished_text(&self) -> Option<String> {
        self.livechat()?.conversation_finished_message.clone()
    }

    /// Whether the campaign has co-browsing.
    pub(super) fn has_cobrowsing(&self) -> bool {
        self.life
            .campaign
            .as_ref()
            .is_some_and(|c| c.cobrowsing.active)
    }

    // ---- retries ----

    pub(super) fn retry_later(&mut self, what: Retry, why: &str) {
        self.life.attempt = self.life.attempt.saturating_add(1);
        let delay = backoff_ms(self.life.attempt, self.random.fraction());
        self.log(
            Level::Warn,
            format!("webchat: {why}; trying again in {} s", delay / 1000),
        );
        self.life.retry = Some(what);
        let at = self.now.at + std::time::Duration::from_millis(delay);
        self.timers.set(Timer::Retry, at);
    }

    /// Forgets a retry that is no longer wanted.
    pub(super) fn cancel_retry(&mut self) {
        self.life.retry = None;
        self.timers.stop(Timer::Retry);
    }

    pub(super) fn retry_now(&mut self) {
        match self.life.retry.take() {
            Some(Retry::LoadCampaign) => self.load_campaign(),
            Some(Retry::StartChat) => self.start_chat(),
            Some(Retry::Reconnect) => self.reconnect(),
            Some(Retry::Restore) => self.fetch_saved_credentials(),
            None => {}
        }
        self.save();
    }

    // ---- starting a chat ----

    /// Creates the chat session (or reuses the one an earlier attempt created), then the
    /// credentials.
    pub(super) fn start_chat(&mut self) {
        if !matches!(self.life.stage, Stage::Ready | Stage::Starting) {
            return;
        }
        let Some(campaign) = self.life.campaign.as_ref() else {
            return;
        };
        let request = ChatSessionRequest {
            campaign_id: campaign.id.clone(),
            tracker_id: Some(self.tracker_id()),
            visitor_identifier: self.who.user.as_ref().map(|u| u.email.clone()),
            request_url: self.page_url.clone(),
            user: self.who.user.as_ref().map(|u| u.to_api()),
        };
        self.life.stage = Stage::Starting;
        let epoch = self.life.epoch;
        match self.link.session.clone() {
            Some(session) => self.create_credentials(&session),
            None => {
                let body = chat_session_body(&request, &self.chat_start());
                self.request(
                    Purpose::CreateSession { epoch },
                    (Method::Post, "chatsessions".into()),
                    Vec::new(),
                    Some(body),
                );
            }
        }
    }

    fn create_credentials(&mut self, session: &ChatSession) {
        let body = api::to_json(&XmppCredentialsRequest {
            chatsession_id: session.id.clone(),
        });
        let epoch = self.life.epoch;
        // The chat's own secret proves this browser is its visitor.
        self.request(
            Purpose::CreateCredentials { epoch },
            (Method::Post, "xmppcredentials".into()),
            visitor_proof(Some(session)),
            Some(body),
        );
    }

    pub(super) fn session_created(&mut self, epoch: u64, reply: HttpReply) {
        if epoch != self.life.epoch {
            return;
        }
        match parse_reply::<ChatSession>(reply) {
            Ok((session, _)) => {
                if self.link.session.is_none() {
                    self.emit(HostEvent::ChatStarted {
                        session_id: session.id.clone(),
                    });
                }
                self.link.session = Some(session.clone());
                self.prechat_used();
                self.save();
                self.create_credentials(&session);
            }
            Err(f) => {
                self.start_failed(f);
                self.save();
            }
        }
    }

    pub(super) fn credentials_created(&mut self, epoch: u64, reply: HttpReply) {
        if epoch != self.life.epoch {
            return;
        }
        match parse_reply::<XmppCredentials>(reply) {
            Ok((creds, _)) => self.connect(creds, None),
            Err(f) => self.start_failed(f),
        }
        self.save();
    }

    fn start_failed(&mut self, f: Failure) {
        match f {
            Failure::Transient(why) => self.retry_later(Retry::StartChat, &why),
            Failure::Api(ApiError::NoAvailability) => {
                self.life.stage = Stage::Ready;
                self.no_availability();
            }
            Failure::Api(ApiError::CampaignInactive) => self.hide(Hidden::Inactive),
            Failure::Api(e @ (ApiError::Unauthorized | ApiError::NotFound)) => {
                self.hide(Hidden::Api(e))
            }
            Failure::Api(e) => {
                let message = format!("webchat: cannot start the chat: {e}");
                self.log(Level::Error, message.clone());
                self.emit(HostEvent::Error { message });
                self.give_up_starting();
            }
        }
    }

    /// This attempt cannot go on: back to ready, what waited marked failed (text kept).
    pub(super) fn give_up_starting(&mut self) {
        self.life.stage = Stage::Ready;
        self.fail_waiting();
    }

    /// 409 No Availability (or an unavailable campaign): offline, the visitor's text stays
    /// shown, marked failed.
    fn no_availability(&mut self) {
        self.life.available = false;
        self.fail_waiting();
    }

    // ---- the end ----

    /// The visitor ends the chat (or what was about to become one).
    pub(super) fn end_chat(&mut self) {
        match self.life.stage {
            Stage::Live(_) => {
                if let Some(chat) = self.link.chat.as_mut() {
                    chat.close(self.now.at);
                }
                self.pump();
            }
            Stage::Starting | Stage::Loading | Stage::Ready => {
                // Nothing reached an agent yet: forget the pending replies.
                self.life.epoch += 1;
                self.cancel_retry();
            }
            Stage::Booting | Stage::Hidden | Stage::Over { .. } => return,
        }
        self.fail_waiting();
        self.life.stage = Stage::Over { blocked: false };
        let (survey, finished) = (self.has_survey(), self.finished_text());
        self.view
            .chat_ended(super::view::EndedBy::Visitor, survey, finished);
        self.emit(HostEvent::ChatEnded {
            by: crate::events::EndedBy::Visitor,
        });
    }

    /// A new chat after the end (not after a block): the old one is kept as a tagged user's
    /// history, and the window empties.
    pub(super) fn start_new_chat(&mut self) {
        if self.life.stage != (Stage::Over { blocked: false }) {
            return;
        }
        self.keep_as_history();
        self.life.epoch += 1;
        self.drop_link();
        self.link.chat = None;
        self.link.session = None;
        self.link.credentials = None;
        self.outbox.clear();
        self.timers.stop(Timer::Chat);
        self.life.stage = Stage::Ready;
        self.mail_reset();
        self.forget_greeting();
        self.view.new_chat();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_a_cap() {
        // Jitter spreads each delay over the upper half of its ceiling.
        assert_eq!(backoff_ms(1, 0.0), 500);
        assert_eq!(backoff_ms(1, 1.0), 1000);
        assert_eq!(backoff_ms(2, 0.5), 1500);
        assert_eq!(backoff_ms(3, 0.0), 2000);
        assert_eq!(backoff_ms(6, 1.0), 30_000);
        assert_eq!(backoff_ms(40, 1.0), MAX_BACKOFF_MS, "capped");
        assert_eq!(backoff_ms(40, 7.0), MAX_BACKOFF_MS, "bad jitter is clamped");
        let spread: std::collections::HashSet<u64> = (0..10)
            .map(|i| backoff_ms(4, f64::from(i) / 10.0))
            .collect();
        assert_eq!(
            spread.len(),
            10,
            "different widgets come back at different times"
        );
    }

    #[test]
    fn only_server_trouble_is_retried() {
        for s in [500, 503, 429, 408] {
            assert!(matches!(
                Failure::from_api(ApiError::OtherStatus(s)),
                Failure::Transient(_)
            ));
        }
        assert_eq!(
            Failure::from_api(ApiError::OtherStatus(400)),
            Failure::Api(ApiError::OtherStatus(400))
        );
        assert_eq!(
            parse_reply::<Campaign>(HttpReply::Failed("offline".into())),
            Err(Failure::Transient("offline".into()))
        );
    }
}
