//! The launcher's side of the handoff: loading the chat stage (`loadChat`), retrying a failed
//! download with backoff (the frame says so and offers a retry), building the bridge
//! `startChat` gets, and what the chat calls back (the frame's leftovers, mounted, a chat going
//! on, unusable). The members are named in [`handoff`](crate::handoff).

use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{warn, CampaignState, ChatStage, Widget};
use crate::adapters::js_get;
use crate::adapters::storage::StorageKind;
use crate::adapters::timer::Timer;
use crate::campaign::{backoff_ms, Unusable};
use crate::frame::Frame;
use crate::handoff::{self, bridge, chat};
use crate::keys;
use crate::visibility::Visibility;

impl Widget {
    /// Loads the chat stage (once; again after a failure) and starts it when it is there.
    pub(super) fn want_chat(&self) {
        let (load, tag) = {
            let mut i = self.0.inner.borrow_mut();
            if i.destroyed || matches!(i.campaign, CampaignState::Unusable) {
                return;
            }
            match i.chat {
                ChatStage::Idle | ChatStage::Failed => {}
                ChatStage::Waiting | ChatStage::Loading | ChatStage::Started(_) => return,
            }
            // The chat texts come in the campaign's language: wait for it.
            if !i.shell.is_configured() {
                i.chat = ChatStage::Waiting;
                return;
            }
            i.chat = ChatStage::Loading;
            i.chat_timer = None;
            if let Some(frame) = &i.frame {
                frame.loading();
            }
            (i.load_chat.clone(), i.shell.lang().tag())
        };
        let promise = load.call1(&JsValue::UNDEFINED, &JsValue::from_str(tag));
        let me = Rc::downgrade(&self.0);
        wasm_bindgen_futures::spawn_local(async move {
            let loaded = match promise.map(|p| js_sys::Promise::resolve(&p)) {
                Ok(p) => JsFuture::from(p).await,
                Err(e) => Err(e),
            };
            // The chat starts in a task of its own: loading ended a long way from here.
            crate::pace::yield_to_page().await;
            let Some(w) = me.upgrade().map(Widget) else {
                return;
            };
            let started = match loaded {
                Ok(module) => w.start_chat(&module).await,
                Err(e) => Err(e),
            };
            if let Err(e) = started {
                w.chat_failed(&e);
            }
        });
    }

    pub(super) fn chat_failed(&self, e: &JsValue) {
        let mut i = self.0.inner.borrow_mut();
        if i.destroyed {
            return;
        }
        i.chat = ChatStage::Failed;
        i.chat_attempt = i.chat_attempt.saturating_add(1);
        let delay = backoff_ms(i.chat_attempt, js_sys::Math::random());
        warn(
            &[
                "webchat: the chat could not be loaded (",
                &crate::adapters::describe(e),
                "); trying again in ",
                &crate::text::digits(delay / 1000, 0),
                " s",
            ]
            .concat(),
        );
        if let Some(frame) = &i.frame {
            frame.failed();
        }
        // A held launcher shows: the visitor can still open the frame and retry.
        i.held = false;
        i.show();
        let me = Rc::downgrade(&self.0);
        let timer = Timer::new(move || {
            if let Some(w) = me.upgrade() {
                Widget(w).want_chat();
            }
        });
        timer.arm(delay);
        i.chat_timer = Some(timer);
    }

    /// Hands over to the loaded chat stage: `module` is `{ start, table }`; `start(bridge)`
    /// resolves to the chat's handle.
    pub(super) async fn start_chat(&self, module: &JsValue) -> Result<(), JsValue> {
        let start: js_sys::Function = js_get(module, "start")
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| JsValue::from_str("the chat stage has no start function"))?;
        let table = js_get(module, "table").and_then(|t| t.as_string());
        let bridge = self.bridge(table)?;
        let started = start.call1(&JsValue::UNDEFINED, &bridge)?;
        let handle = JsFuture::from(js_sys::Promise::resolve(&started)).await?;
        let available = {
            let mut i = self.0.inner.borrow_mut();
            if i.destroyed {
                _ = handoff::call(&handle, chat::DESTROY, &[]);
                return Ok(());
            }
            i.chat = ChatStage::Started(handle.clone());
            i.chat_attempt = 0;
            i.available
        };
        // What the rules' polls found since the campaign reply the chat started from.
        _ = handoff::call(&handle, chat::AVAILABLE, &[JsValue::from_bool(available)]);
        Ok(())
    }

    /// The bridge for `startChat` (see [`handoff`]).
    pub(super) fn bridge(&self, table: Option<String>) -> Result<JsValue, JsValue> {
        let i = self.0.inner.borrow();
        let me = Rc::downgrade(&self.0);
        let (chatting, unread) = (me.clone(), me.clone());
        let (obj, mut functions) = handoff::shell_object(
            &i.shell,
            &i.host,
            move |on| {
                if let Some(w) = chatting.upgrade() {
                    Widget(w).set_chatting(on);
                }
            },
            // No greeting over unread messages: the count can have just fallen to none.
            move |_| {
                if let Some(w) = unread.upgrade() {
                    Widget(w).greet();
                }
            },
        );
        let options = handoff::object();
        let o = &i.options;
        handoff::set(&options, "apiUrl", &JsValue::from_str(&o.api_url));
        handoff::set(&options, "apiToken", &JsValue::from_str(&o.api_token));
        handoff::set(&options, "campaign", &JsValue::from_str(&o.campaign));
        handoff::set(
            &options,
            "websocketUrl",
            &JsValue::from_str(&o.websocket_url),
        );
        if let Some(bosh) = &o.bosh_url {
            handoff::set(&options, "boshUrl", &JsValue::from_str(bosh));
        }
        let ids = match o.visitor_ids {
            StorageKind::Session => "session",
            StorageKind::Local => "persistent",
        };
        handoff::set(&options, "visitorIds", &JsValue::from_str(ids));
        if let Some(livechat) = &o.livechat {
            let text = crate::json::stringify(&crate::json::Value::Object(livechat.clone()));
            handoff::set(&options, "livechat", &JsValue::from_str(&text));
        }
        let language = o
            .language
            .map_or(JsValue::NULL, |l| JsValue::from_str(l.tag()));
        handoff::set(&options, "language", &language);
        handoff::set(&options, "inline", &JsValue::from_bool(i.inline));
        handoff::set(&options, "historyDue", &JsValue::from_bool(i.history_due));
        let unread = crate::notify::stored_count(i.storage.get(keys::UNREAD).as_deref());
        handoff::set(&options, "unread", &JsValue::from(unread));
        handoff::set(&obj, bridge::OPTIONS, &options);
        let chat_table = match table {
            Some(text) => {
                let t = handoff::object();
                handoff::set(&t, "lang", &JsValue::from_str(i.shell.lang().tag()));
                handoff::set(&t, "text", &JsValue::from_str(&text));
                t.into()
            }
            None => JsValue::NULL,
        };
        handoff::set(&obj, bridge::TABLE, &chat_table);
        let ask = me.clone();
        functions.add(&obj, bridge::CAMPAIGN, move |_| {
            js_sys::Promise::new(&mut |resolve, _reject| {
                if let Some(w) = ask.upgrade() {
                    w.inner.borrow_mut().await_campaign(resolve);
                }
            })
            .into()
        });
        let take = me.clone();
        functions.add(&obj, bridge::TAKE, move |_| {
            take.upgrade()
                .map(|w| Widget(w).take_frame())
                .unwrap_or(JsValue::NULL)
        });
        let gone = me.clone();
        functions.add(&obj, bridge::UNAVAILABLE, move |_| {
            if let Some(w) = gone.upgrade() {
                // The chat re-read the campaign and found it unusable: hidden for good.
                Widget(w).unusable(&Unusable::Inactive);
            }
            JsValue::UNDEFINED
        });
        let offline = me.clone();
        functions.add(&obj, bridge::SET_OFFLINE, move |on| {
            if let Some(w) = offline.upgrade() {
                let mut i = w.inner.borrow_mut();
                i.chat_offline = Some(on.is_truthy());
                i.paint_look();
            }
            JsValue::UNDEFINED
        });
        let mounted = me;
        functions.add(&obj, bridge::MOUNTED, move |_| {
            if let Some(w) = mounted.upgrade() {
                Widget(w).chat_mounted();
            }
            JsValue::UNDEFINED
        });
        drop(i);
        self.0.inner.borrow_mut().bridge = Some(functions);
        Ok(obj.into())
    }

    /// What the frame leaves the chat (`bridge.take()`), and that the window is open.
    pub(super) fn take_frame(&self) -> JsValue {
        let i = self.0.inner.borrow();
        let left = i.frame.as_ref().map(Frame::take).unwrap_or_default();
        let obj = handoff::object();
        handoff::set(&obj, "open", &JsValue::from_bool(i.shell.is_open()));
        handoff::set(&obj, "draft", &JsValue::from_str(&left.draft));
        let queued: js_sys::Array = left.queued.iter().map(|t| JsValue::from_str(t)).collect();
        handoff::set(&obj, "queued", &queued);
        handoff::set(&obj, "focused", &JsValue::from_bool(left.focused));
        drop(i);
        let greeting = self.0.inner.borrow_mut().greeter.take_pending();
        handoff::set(&obj, "greeting", &greeting);
        obj.into()
    }

    /// The chat's window is in place: the frame goes; a held launcher shows.
    pub(super) fn chat_mounted(&self) {
        let frame = {
            let mut i = self.0.inner.borrow_mut();
            i.held = false;
            i.show();
            i.frame.take()
        };
        drop(frame);
    }

    pub(super) fn set_chatting(&self, on: bool) {
        let changed = {
            let mut i = self.0.inner.borrow_mut();
            let changed = i.chatting != on;
            i.chatting = on;
            changed
        };
        if changed {
            self.refresh_visibility();
            self.greet();
        }
    }

    pub(super) fn set_available(&self, available: bool) {
        let handle = {
            let mut i = self.0.inner.borrow_mut();
            i.available = available;
            if let Some(frame) = &i.frame {
                frame.set_available(available);
            }
            i.paint_look();
            i.handle()
        };
        if let Some(handle) = handle {
            _ = handoff::call(&handle, chat::AVAILABLE, &[JsValue::from_bool(available)]);
        }
        self.greet();
    }

    pub(super) fn refresh_visibility(&self) {
        self.with_visibility(Visibility::refresh);
    }
}
