//! The handoff between the two download stages: the launcher (this crate's wasm) hands the chat
//! stage (the root package's wasm, another module with its own memory) a *bridge*, a plain JS
//! object, through `startChat(bridge)`, and gets back a *handle* to call. Only JS values cross:
//! DOM elements, strings, numbers, functions. Both sides take the member names from here, so
//! they cannot drift apart, and [`VERSION`] makes a chat stage refuse a bridge it does not
//! know (a stage-2 file of another build is never started by this one).
//!
//! The bridge ([`bridge`]) carries the checked options, the launcher's DOM (shadow root, root,
//! launcher button), the campaign reply the launcher read, the chat texts of the language in
//! use, what the visitor left in the frame, and the launcher's setters (open, unread, a chat
//! going on, offline, unusable, mounted). The handle ([`chat`]) opens and closes the window, applies
//! `tag`/`reset`, reports availability and answers `state`, the identity and `destroy`.
//! `ARCHITECTURE.md` ("Two download stages") tells who owns what.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::adapters::js_get;
use crate::shell::Shell;

/// The contract's version: bumped whenever a member below changes meaning.
pub const VERSION: u32 = 3;

/// The members of the bridge object.
pub mod bridge {
    /// [`super::VERSION`], a number.
    pub const VERSION: &str = "version";
    /// `{ apiUrl, apiToken, campaign, websocketUrl, boshUrl?, visitorIds: "session" |
    /// "persistent", language: tag | null, livechat?: JSON text, inline: boolean, historyDue:
    /// boolean, unread: number }`, checked by the launcher (`livechat`: an object of the
    /// configuration's keys; `unread`: the count the storage kept, the chat counts on from it).
    pub const OPTIONS: &str = "options";
    /// `{ lang: tag, text }`: the chat texts of the language in use (as `cargo xtask dist`
    /// ships them), or `null` when their download failed (English then).
    pub const TABLE: &str = "chatTable";
    /// The host element: host events are dispatched on it.
    pub const HOST: &str = "host";
    /// The open shadow root: the chat adopts its stylesheet here.
    pub const SHADOW: &str = "shadow";
    /// The `.wc-root` element: the window goes in here, before the launcher.
    pub const ROOT: &str = "root";
    /// The launcher button (focus returns to it).
    pub const LAUNCHER: &str = "launcher";
    /// `() => Promise<{ status, body }>`: the launcher's read of `GET campaigns/{id}` (its first
    /// reply that is not worth retrying).
    pub const CAMPAIGN: &str = "campaign";
    /// `() => { open, draft, queued: string[], focused, greeting }`: what the visitor left in the
    /// frame, taken once; `greeting` is the proactive greeting the visitor accepted before the
    /// chat was loaded (`{ id, message, agentName: string | null }`, as [`super::chat::GREETING`]
    /// takes it) or `null`.
    pub const TAKE: &str = "take";
    /// `(open: boolean)`: the window opened or closed.
    pub const SET_OPEN: &str = "setOpen";
    /// `(n: number)`: agent messages not yet read.
    pub const SET_UNREAD: &str = "setUnread";
    /// `(chatting: boolean)`: a chat is under way (never hidden by the visibility rules).
    pub const SET_CHATTING: &str = "setChatting";
    /// `(offline: boolean)`: nobody is available (the chat's phase `offline`): launcher and
    /// header take the offline colour.
    pub const SET_OFFLINE: &str = "setOffline";
    /// `()`: the campaign turned out unusable: the widget hides for good.
    pub const UNAVAILABLE: &str = "unavailable";
    /// `()`: the chat's window is in place: the frame goes, a held launcher shows.
    pub const MOUNTED: &str = "mounted";
}

/// The methods of the handle `startChat` returns.
pub mod chat {
    /// `()`: opens the window (the visitor or the page asked).
    pub const OPEN: &str = "open";
    /// `()`: minimises it.
    pub const CLOSE: &str = "close";
    /// `(user: object)`: `CV.user.tag`; throws its `TypeError`.
    pub const TAG: &str = "tag";
    /// `()`: `CV.user.reset`.
    pub const RESET: &str = "reset";
    /// `(available: boolean)`: whether a chat could start, as the visibility rules' poll found.
    pub const AVAILABLE: &str = "available";
    /// `() => { trackerId, user: string | null }`: who the visitor is now.
    pub const IDENTITY: &str = "identity";
    /// `() => string`: `chat.state()`'s answer.
    pub const STATE: &str = "state";
    /// `()`: ends a live chat properly and removes the window.
    pub const DESTROY: &str = "destroy";
    /// `({ id, message, agentName: string | null })`: the visitor accepted a proactive greeting
    /// (called before [`OPEN`]). With no chat under way the window shows `message` as the agent's
    /// first message (named `agentName`) and the chat it starts names `id` as its
    /// `greeting_trigger`; with a chat under way it is ignored.
    pub const GREETING: &str = "greeting";
}

/// A fresh plain object.
pub fn object() -> js_sys::Object {
    js_sys::Object::new()
}

/// `obj[key] = value` (setting a property of a plain object cannot fail).
pub fn set(obj: &js_sys::Object, key: &str, value: &JsValue) {
    _ = js_sys::Reflect::set(obj, &JsValue::from_str(key), value);
}

/// A count one side passed the other (`setUnread(n)`, `options.unread`): `None`
/// for anything but a number not below zero; capped at `u32::MAX`.
pub fn count(value: &JsValue) -> Option<u32> {
    let n = value.as_f64().filter(|n| n.is_finite() && *n >= 0.0)?;
    // Truncation is the point: a count, capped at what the badge can say anyway.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(n.min(f64::from(u32::MAX)) as u32)
}

/// `target[name](...args)`; `Err` with what was thrown, or when there is no such function.
pub fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let f: js_sys::Function = js_get(target, name)
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| JsValue::from_str(&["webchat: the handoff has no `", name, "`"].concat()))?;
    let args: js_sys::Array = args.iter().collect();
    f.apply(target, &args)
}

/// The functions a bridge holds: they live as long as it (dropped with the widget).
#[derive(Default)]
pub struct Functions(Vec<Closure<dyn FnMut(JsValue) -> JsValue>>);

impl Functions {
    /// `obj[key] = f` as a JS function of at most one argument.
    pub fn add(
        &mut self,
        obj: &js_sys::Object,
        key: &str,
        f: impl FnMut(JsValue) -> JsValue + 'static,
    ) {
        let closure = Closure::<dyn FnMut(JsValue) -> JsValue>::new(f);
        set(obj, key, closure.as_ref());
        self.0.push(closure);
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        // One of them may be running now (a handoff call that ends in destroy): they go after
        // this turn, never while they run.
        let closures = std::mem::take(&mut self.0);
        wasm_bindgen_futures::spawn_local(async move { drop(closures) });
    }
}

/// The shell's part of a bridge: its DOM and its setters (open, unread; a chat going on is
/// the owner's business, so `setChatting` calls `chatting`, and `setUnread` tells `unread`
/// after the badge). The launcher adds the rest; the chat stage's own tests and demo pair a
/// shell with a window through this alone.
pub fn shell_object(
    shell: &std::rc::Rc<Shell>,
    host: &web_sys::HtmlElement,
    chatting: impl Fn(bool) + 'static,
    unread: impl Fn(u32) + 'static,
) -> (js_sys::Object, Functions) {
    let obj = object();
    let mut functions = Functions::default();
    set(&obj, bridge::VERSION, &JsValue::from(VERSION));
    set(&obj, bridge::HOST, host);
    set(&obj, bridge::SHADOW, shell.shadow());
    set(&obj, bridge::ROOT, shell.root());
    set(&obj, bridge::LAUNCHER, shell.launcher());
    let weak = std::rc::Rc::downgrade(shell);
    functions.add(&obj, bridge::SET_OPEN, move |open| {
        if let Some(shell) = weak.upgrade() {
            shell.set_open(open.is_truthy());
        }
        JsValue::UNDEFINED
    });
    let weak = std::rc::Rc::downgrade(shell);
    functions.add(&obj, bridge::SET_UNREAD, move |n| {
        let n = count(&n).unwrap_or(0);
        if let Some(shell) = weak.upgrade() {
            shell.set_unread(n);
        }
        unread(n);
        JsValue::UNDEFINED
    });
    functions.add(&obj, bridge::SET_CHATTING, move |on| {
        chatting(on.is_truthy());
        JsValue::UNDEFINED
    });
    (obj, functions)
}
