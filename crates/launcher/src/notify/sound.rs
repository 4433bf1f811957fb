//! The optional chime when an agent message arrives while the window is closed: two short
//! sine tones made with the Web Audio API, so no sound file is downloaded.
//!
//! Browsers refuse to start audio before the visitor has interacted with the page (and log a
//! warning for every attempt). The chime is only tried once `navigator.userActivation` says the
//! page has had a gesture; before that, and in browsers without Web Audio, it stays silent
//! without a word in the console. It does not decide when to chime.

use wasm_bindgen::JsValue;

use crate::adapters::js_get;
use crate::handoff::call;

/// One audio context for the page's lifetime (browsers limit how many a page may open).
pub struct Chime {
    context: Option<JsValue>,
}

impl Chime {
    /// A chime that has not made a sound yet.
    pub fn new() -> Chime {
        Chime { context: None }
    }

    /// Plays the chime if the page may make a sound now; else does nothing.
    pub fn play(&mut self) {
        if !has_been_active() {
            return;
        }
        if self.context.is_none() {
            self.context = new_context();
        }
        if let Some(context) = &self.context {
            _ = tones(context);
        }
    }
}

impl Default for Chime {
    fn default() -> Chime {
        Chime::new()
    }
}

/// Whether the visitor has interacted with the page (`navigator.userActivation.hasBeenActive`).
fn has_been_active() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    js_get(&window, "navigator")
        .and_then(|n| js_get(&n, "userActivation"))
        .and_then(|a| js_get(&a, "hasBeenActive"))
        .is_some_and(|v| v.is_truthy())
}

fn new_context() -> Option<JsValue> {
    let window: JsValue = web_sys::window()?.into();
    let ctor: js_sys::Function = js_get(&window, "AudioContext")?.into();
    js_sys::Reflect::construct(&ctor, &js_sys::Array::new()).ok()
}

/// Two notes (E6, then B5), each fading out: quiet, short, unmistakably a message.
fn tones(context: &JsValue) -> Result<(), JsValue> {
    if js_get(context, "state")
        .and_then(|s| s.as_string())
        .as_deref()
        == Some("suspended")
    {
        // A context made before a gesture elsewhere on the page: resume it (after the gesture
        // this is allowed; the promise is not awaited, the notes are scheduled regardless).
        _ = call(context, "resume", &[]);
    }
    let now = js_get(context, "currentTime")
        .and_then(|t| t.as_f64())
        .unwrap_or_default();
    let destination = js_get(context, "destination").ok_or(JsValue::NULL)?;
    for (i, frequency) in [1318.5, 987.8].into_iter().enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let start = now + 0.12 * i as f64;
        let osc = call(context, "createOscillator", &[])?;
        let gain = call(context, "createGain", &[])?;
        let freq = js_get(&osc, "frequency").ok_or(JsValue::NULL)?;
        js_sys::Reflect::set(&freq, &"value".into(), &frequency.into())?;
        let level = js_get(&gain, "gain").ok_or(JsValue::NULL)?;
        call(&level, "setValueAtTime", &[0.12.into(), start.into()])?;
        call(
            &level,
            "exponentialRampToValueAtTime",
            &[0.001.into(), (start + 0.18).into()],
        )?;
        call(&osc, "connect", std::slice::from_ref(&gain))?;
        call(&gain, "connect", std::slice::from_ref(&destination))?;
        call(&osc, "start", &[start.into()])?;
        call(&osc, "stop", &[(start + 0.2).into()])?;
    }
    Ok(())
}
