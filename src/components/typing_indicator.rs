//! Three bouncing dots while the agent types (static when reduced motion is asked for).

use leptos::prelude::*;

use crate::i18n::Key;
use crate::model::ChatStore;

/// "Ana is typing…".
#[component]
pub fn TypingIndicator() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let lang = store.lang();
    let typing = store.agent_typing();
    let label = move || {
        let l = lang.get();
        let name = store
            .agent_name()
            .get()
            .unwrap_or_else(|| l.text(Key::Agent).to_owned());
        l.format(Key::Typing, &[("name", &name)])
    };

    view! {
        <Show when=move || typing.get()>
            <div class="wc-typing">
                <span class="wc-typing-dots" aria-hidden="true"><span></span><span></span><span></span></span>
                <span class="wc-sr">{label}</span>
            </div>
        </Show>
    }
}
