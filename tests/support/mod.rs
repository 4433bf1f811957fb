//! Helpers every browser test file shares: the document, waiting for effects, sleeping, a
//! campaign reply, the widget's storage emptied.
//! Included with `mod support;`; not a test target of its own. Not every file uses every
//! helper, hence the `dead_code` allowance.
#![allow(dead_code)]

mod fixtures;
// Not every test file uses them.
#[allow(unused_imports)]
pub use fixtures::{campaign, CAMPAIGN_ID};

/// The test page's document.
pub fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
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
