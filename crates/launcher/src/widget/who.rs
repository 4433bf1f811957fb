//! Who the visitor is while the launcher alone runs: `CV.user.tag` and `CV.user.reset` on the
//! storage (forwarded to the chat's handle once it runs), and the identity the visibility rules
//! key their remembered verdict on. The rules of tagging are [`crate::identity`]'s.

use wasm_bindgen::JsValue;

use super::Widget;
use crate::adapters::js_get;
use crate::handoff::{self, chat};
use crate::identity::{tagging, tracker_id, TagError, Tagging, UserInfo};
use crate::visibility::{Identity, Visibility};
use crate::{json, keys};

impl Widget {
    /// `CV.user.tag(user)`.
    pub fn tag(&self, value: &JsValue) -> Result<(), TagError> {
        let user = UserInfo::from_json(&json::from_js(value))?;
        let handle = self.0.inner.borrow().handle();
        if let Some(handle) = handle {
            if let Err(e) = handoff::call(&handle, chat::TAG, std::slice::from_ref(value)) {
                // The chat validated the same way; its message is the same.
                let text = crate::adapters::describe(&e);
                web_sys::console::error_1(&JsValue::from_str(&text));
            }
        } else {
            let mut i = self.0.inner.borrow_mut();
            match tagging(i.user.as_ref(), &user) {
                Tagging::Same { resave: false } => {}
                Tagging::Same { resave: true } | Tagging::Attach => {
                    i.storage.set(keys::USER, &user.to_stored());
                    i.user = Some(user);
                    i.history_due = true;
                }
                Tagging::Replace => {
                    i.forget_visitor();
                    i.storage.set(keys::USER, &user.to_stored());
                    i.user = Some(user);
                    i.history_due = true;
                }
            }
        }
        self.identity_changed();
        Ok(())
    }

    /// `CV.user.reset()`.
    pub fn reset(&self) {
        let handle = self.0.inner.borrow().handle();
        if let Some(handle) = handle {
            _ = handoff::call(&handle, chat::RESET, &[]);
        } else {
            self.0.inner.borrow_mut().forget_visitor();
        }
        self.identity_changed();
    }

    fn identity_changed(&self) {
        self.with_visibility(Visibility::identity_changed);
    }

    /// Who the visitor is now: the chat's answer once it runs, else the launcher's own.
    pub fn identity(&self) -> Identity {
        let i = self.0.inner.borrow();
        if let Some(handle) = i.handle() {
            if let Ok(who) = handoff::call(&handle, chat::IDENTITY, &[]) {
                if let Some(tracker_id) = js_get(&who, "trackerId").and_then(|t| t.as_string()) {
                    let user = js_get(&who, "user").and_then(|u| u.as_string());
                    return Identity { tracker_id, user };
                }
            }
        }
        Identity {
            tracker_id: tracker_id(&i.visitor_id, i.user.as_ref()),
            user: i.user.as_ref().map(UserInfo::tracker_id),
        }
    }
}
