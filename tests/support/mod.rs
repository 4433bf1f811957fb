//! Helpers every browser test file shares: the document, a fresh host to mount in, computed
//! styles, waiting for effects, sleeping, a campaign reply, the widget's storage emptied
//! ([`shadow`] reads a mounted widget).
//! Included with `mod support;`; not a test target of its own. Not every file uses every
//! helper, hence the `dead_code` allowance.
#![allow(dead_code)]

mod fixtures;
pub mod shadow;
// Not every test file uses them.
#[allow(unused_imports)]
pub use fixtures::{campaign, CAMPAIGN_ID};

/// The test page's document.
pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A new empty element with `id` at the end of the body, for a widget to mount in. Leftovers
/// with that id (a failed test's) are removed first so they cannot confuse this test; only
/// ours, as the runner's own `#output` element lives in the same body.
pub fn fresh_host(id: &str) -> web_sys::HtmlElement {
    use wasm_bindgen::JsCast;
    while let Some(old) = document().get_element_by_id(id) {
        old.remove();
    }
    let host: web_sys::HtmlElement = document().create_element("div").unwrap().unchecked_into();
    host.set_id(id);
    document().body().unwrap().append_child(&host).unwrap();
    host
}

/// The computed value of the CSS property `prop` of `el`.
pub fn computed(el: &web_sys::Element, prop: &str) -> String {
    web_sys::window()
        .unwrap()
        .get_computed_style(el)
        .unwrap()
        .unwrap()
        .get_property_value(prop)
        .unwrap()
}

/// Resumes after `ms` milliseconds (a timer: the page's other tasks run in between).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Lets effects and render effects run: a few executor ticks and one macrotask.
pub async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
    sleep(0).await;
    leptos::task::tick().await;
}

/// Removes every `webchat:` key from both storages (other tests' chats must not be restored).
pub fn clear_storage() {
    let w = web_sys::window().unwrap();
    for s in [w.session_storage(), w.local_storage()]
        .into_iter()
        .filter_map(|s| s.ok().flatten())
    {
        let keys: Vec<String> = (0..s.length().unwrap_or(0))
            .filter_map(|i| s.key(i).ok().flatten())
            .filter(|k| k.starts_with("webchat:"))
            .collect();
        for k in keys {
            let _ = s.remove_item(&k);
        }
    }
}
