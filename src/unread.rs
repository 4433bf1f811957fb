//! The chat's unread count as the page notices it: the store's count drives
//! [`webchat_launcher::notify::Notifier`] — the page title alternating with "(2) New messages",
//! the chime when the configuration's `sound` is on, the `unread` host event, the count kept in
//! the visitor's storage (a reload starts from it) — and counts other tabs write come back into
//! the store. The launcher shows the badge from the same count (`setUnread`).
//!
//! What it does not: count (the store does, for agent messages that arrive while the window is
//! closed) or draw anything.

use leptos::prelude::*;
use web_sys::HtmlElement;
use webchat_launcher::adapters::storage::Storage;
use webchat_launcher::notify::Notifier;

use crate::model::ChatStore;

/// Starts the notifications for `store` on the page of `host`. Call inside the widget's reactive
/// owner: the effect goes with it; dropping the notifier gives the page its title back.
pub fn notify(store: &ChatStore, host: HtmlElement, storage: Storage) -> Notifier {
    let other_tab = *store;
    let notifier = Notifier::start(host, storage, move |n| other_tab.set_unread(n));
    let feed = notifier.handle();
    let store = *store;
    Effect::new(move |_| {
        let lang = store.lang().get();
        let sound = store.config().with(|c| c.livechat.sound);
        let n = store.unread().get();
        feed.set_lang(lang);
        feed.set_sound(sound);
        feed.changed(n);
    });
    notifier
}
