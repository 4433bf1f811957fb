//! The campaign as the launcher reads it: the look remembered from the last page view at once,
//! then `GET campaigns/{id}` — usable (the look, `ready`, a waiting chat download goes ahead),
//! unusable (hidden for good with one clear error), or tried again with backoff. What a reply
//! means is [`crate::campaign`]'s.

use std::rc::Rc;

use wasm_bindgen::JsValue;

use super::{warn, CampaignState, ChatStage, Widget};
use crate::adapters::api::{NetError, Reply};
use crate::adapters::timer::Timer;
use crate::campaign::{self, backoff_ms, CampaignInfo, Unusable};
use crate::events::{self, HostEvent};
use crate::handoff::{self, chat};
use crate::{json, keys};

impl Widget {
    /// The look an earlier page view read: the launcher shows at once in its colour and
    /// language while the campaign is read again.
    pub(super) fn remembered_look(&self) {
        let info = {
            let i = self.0.inner.borrow();
            i.storage
                .get(keys::CAMPAIGN)
                .and_then(|text| json::parse(&text))
                .and_then(|v| CampaignInfo::from_json(&v))
                .filter(|c| c.active)
        };
        if let Some(c) = info {
            let mut i = self.0.inner.borrow_mut();
            // The last page view's availability is the best guess until the read answers.
            i.available = c.available();
            i.apply_look(&c);
        }
    }

    pub(super) fn read_campaign(&self) {
        let (read, path) = {
            let i = self.0.inner.borrow();
            let path = campaign::path(&i.options.campaign);
            (i.api.get(&path, None), path)
        };
        let me = Rc::downgrade(&self.0);
        wasm_bindgen_futures::spawn_local(async move {
            let reply = read.await;
            if let Some(w) = me.upgrade() {
                Widget(w).campaign_read(reply, &path);
            }
        });
    }

    fn campaign_read(&self, reply: Result<Reply, NetError>, path: &str) {
        let mut i = self.0.inner.borrow_mut();
        if i.destroyed {
            return;
        }
        let meaning = match &reply {
            Ok(r) => campaign::Reply::read(r.status, &r.body),
            Err(e) => campaign::Reply::Retry(e.message()),
        };
        match meaning {
            campaign::Reply::Usable(c) => {
                let body = reply.map(|r| r.body).unwrap_or_default();
                i.storage.set(keys::CAMPAIGN, &body);
                i.campaign_attempt = 0;
                i.available = c.available();
                i.apply_look(&c);
                i.campaign = CampaignState::Usable;
                i.settle_campaign(200, body);
                if let Some(frame) = &i.frame {
                    frame.set_available(i.available);
                }
                if !i.ready_sent {
                    i.ready_sent = true;
                    events::emit(&i.host, &HostEvent::Ready);
                }
                let waiting = matches!(i.chat, ChatStage::Waiting);
                if waiting {
                    i.chat = ChatStage::Idle;
                }
                drop(i);
                if waiting {
                    self.want_chat();
                }
                self.load_greetings();
            }
            campaign::Reply::Unusable(why) => {
                let status = reply.as_ref().map(|r| r.status).unwrap_or_default();
                let body = reply.map(|r| r.body).unwrap_or_default();
                i.settle_campaign(status, body);
                drop(i);
                self.unusable(&why);
            }
            campaign::Reply::Retry(why) => {
                i.campaign_attempt = i.campaign_attempt.saturating_add(1);
                let delay = backoff_ms(i.campaign_attempt, js_sys::Math::random());
                warn(
                    &[
                        "webchat: reading ",
                        path,
                        " failed (",
                        &why,
                        "); trying again in ",
                        &crate::text::digits(delay / 1000, 0),
                        " s",
                    ]
                    .concat(),
                );
                let me = Rc::downgrade(&self.0);
                let timer = Timer::new(move || {
                    if let Some(w) = me.upgrade() {
                        Widget(w).read_campaign();
                    }
                });
                timer.arm(delay);
                i.campaign_timer = Some(timer);
            }
        }
    }

    /// The campaign cannot be used: hidden for good, with one clear error.
    pub(super) fn unusable(&self, why: &Unusable) {
        let visibility = self.0.rules.borrow_mut().take();
        let (frame, handle, host, message) = {
            let mut i = self.0.inner.borrow_mut();
            i.campaign = CampaignState::Unusable;
            i.storage.remove(keys::CAMPAIGN);
            i.shell.remove();
            let message = [
                "webchat: hidden: ",
                &why.message(),
                " (campaign ",
                &i.options.campaign,
                ")",
            ]
            .concat();
            let handle = match std::mem::replace(&mut i.chat, ChatStage::Idle) {
                ChatStage::Started(h) => Some(h),
                _ => None,
            };
            (i.frame.take(), handle, i.host.clone(), message)
        };
        drop((visibility, frame));
        if let Some(handle) = handle {
            _ = handoff::call(&handle, chat::DESTROY, &[]);
        }
        web_sys::console::error_1(&JsValue::from_str(&message));
        events::emit(&host, &HostEvent::Error { message });
        host.set_hidden(true);
    }
}
