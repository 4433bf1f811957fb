//! Helpers the launcher's browser test files share. Included with `mod support;`; not a test
//! target of its own. Not every file uses every helper, hence the `dead_code` allowance.
#![allow(dead_code)]

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
