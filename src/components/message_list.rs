//! The conversation: a `role="log"` live region with the welcome or offline text, messages,
//! notices, a day separator where the conversation crosses midnight, the typing indicator, the
//! co-browsing prompt, the transcript offer and the survey. Keeps itself scrolled to the newest
//! row.
//!
//! Windowed: only the newest rows are in the DOM (the last [`FIRST_PAGE`] when a conversation is
//! shown, plus every row that arrives later); scrolling up near the top renders the next
//! [`OLDER_PAGE`] older rows above, keeping what the visitor was looking at in place. A long
//! restored history so costs a page of rows, not one per message. The store keeps every row
//! (it is the source of truth); how many of them are rendered is this view's business.
//!
//! Rows are keyed by their `seq` and the language: a row is built once, with its texts in that
//! language, and carries no subscription of its own to it (the rare language change rebuilds
//! the rendered rows instead of every row paying for one). Opening the window (building this
//! view) gets the time formatters ready when the page is next idle ([`when::warm_when_idle`]).
//!
//! The co-browsing prompt sits where the request arrived (after the row that was newest then),
//! like any other turn of the conversation: messages that come later go below it, and the
//! visitor's answer stays in place as a notice. Where that is is worked out here from the order
//! of rows when the view first sees the request (each stanza arrives in its own WebSocket
//! event, so before any later message); the store only knows the prompt's state.

use leptos::html;
use leptos::prelude::*;
use web_sys::HtmlDivElement;

use super::{
    when, CobrowsePrompt, MessageBubble, OfflineState, Survey, SystemNotice, TranscriptCard,
    TypingIndicator,
};
use crate::i18n::{tr, Key, Lang};
use crate::model::{ChatStore, CobrowseState, Entry, EntryKind, Notice, Phase};

/// Where the co-browsing prompt is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PromptAt {
    /// No request.
    Nowhere,
    /// Before every row (the request came before any).
    Top,
    /// After the row with this `seq`.
    After(u64),
    /// At the end (its row is gone, e.g. the conversation was replaced).
    End,
}

/// One item of the rendered list: a row (where it is in the store's rows, and its `seq`), the
/// separator of a new day before the row with `seq`, or the co-browsing prompt after the row
/// that was newest when the request came (one prompt at most, so it needs no key of its own).
/// Rows are not copied into the list: only new ones are read.
#[derive(Clone, Copy)]
enum Item {
    Row { index: usize, seq: u64 },
    Day { seq: u64, at: u64 },
    Prompt,
}

/// Keys of day separators: their row's `seq` with the top bit set (no row gets that far).
const DAY_KEY: u64 = 1 << 63;

impl Item {
    fn key(&self) -> Option<u64> {
        match self {
            Item::Row { seq, .. } => Some(*seq),
            Item::Day { seq, .. } => Some(seq | DAY_KEY),
            Item::Prompt => None,
        }
    }
}

/// What a row says about days: a message on a (local) day, a separator of an earlier chat that
/// names its day, or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RowDay {
    Message(Option<i64>),
    Earlier(Option<i64>),
    Other,
}

/// Whether a day separator goes before `row`, given the day of the last message before it
/// (`last`, updated): only where a message's day differs from the message's before it. An
/// earlier chat's separator names its own day, so it starts afresh.
fn day_break(last: &mut Option<i64>, row: RowDay) -> bool {
    match row {
        RowDay::Message(Some(day)) => {
            let new_day = last.is_some_and(|l| l != day);
            *last = Some(day);
            new_day
        }
        RowDay::Earlier(day) => {
            *last = day;
            false
        }
        RowDay::Message(None) | RowDay::Other => false,
    }
}

fn row_day(row: &Entry) -> RowDay {
    match &row.kind {
        EntryKind::Message(m) => RowDay::Message(m.at_ms.map(when::local_day)),
        EntryKind::Notice(Notice::EarlierChat { at_ms }) => {
            RowDay::Earlier(at_ms.map(when::local_day))
        }
        EntryKind::Notice(_) => RowDay::Other,
    }
}

/// The separator of a new day.
fn day_separator(at: u64, lang: Lang) -> AnyView {
    let label = when::day(at, lang);
    let text = label.clone();
    view! {
        <div class="wc-notice wc-day-sep" data-notice="day" role="separator" aria-label=label>
            <span aria-hidden="true">{text}</span>
        </div>
    }
    .into_any()
}

/// Rows rendered when a conversation is first shown (or replaced): a few screens' worth.
const FIRST_PAGE: usize = 25;
/// Rows added above when the visitor scrolls near the top: small enough to build within a frame.
const OLDER_PAGE: usize = 20;
/// How close to the top (px) scrolling up renders older rows, so they are there before the top is.
const NEAR_TOP_PX: i32 = 600;

/// Which rows are rendered: all from index `hidden` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    /// Older pages asked for so far (see [`Window::next`]).
    asked: u32,
    /// Rows above the window (not rendered).
    hidden: usize,
    /// The oldest rendered row, to find the window again after the rows change.
    first: Option<u64>,
}

impl Window {
    /// The window over `seqs` (the rows' `seq`s, oldest first) after `asked` older pages were
    /// asked for, from the previous window: it keeps starting at the same row while that row is
    /// there (new rows below join it), shows at least [`FIRST_PAGE`] rows (so earlier chats put
    /// before a short conversation are seen), and starts over at the newest rows when the
    /// conversation was replaced.
    fn next(
        prev: Option<&Window>,
        asked: u32,
        seqs: impl ExactSizeIterator<Item = u64> + Clone,
    ) -> Self {
        let len = seqs.len();
        let fresh = len.saturating_sub(FIRST_PAGE);
        let hidden = match prev {
            Some(w) => {
                let kept = w
                    .first
                    .and_then(|first| seqs.clone().position(|seq| seq == first));
                let pages = asked.saturating_sub(w.asked) as usize;
                kept.map_or(fresh, |i| i.min(fresh))
                    .saturating_sub(pages * OLDER_PAGE)
            }
            None => fresh,
        };
        Window {
            asked,
            hidden,
            first: seqs.clone().nth(hidden),
        }
    }
}

/// Renders the next older page when there is one and `list` is scrolled near its top (or
/// cannot scroll at all), then moves the scroll position by the height added so the rows in
/// view stay where they were. One page at a time: `loading` is set until the page is in.
fn load_older(
    list: HtmlDivElement,
    window: Memo<Window>,
    asked: RwSignal<u32>,
    loading: StoredValue<bool>,
) {
    // A frame callback may outlive the widget (unmounted meanwhile): then nothing is left to do.
    let idle = loading.try_get_value() == Some(false);
    let more = window.try_with_untracked(|w| w.hidden > 0) == Some(true);
    if !(idle && more && list.is_connected()) {
        return;
    }
    loading.set_value(true);
    let before = list.scroll_height();
    // The page lands above the rows already announced: screen readers should not read it out
    // as new messages.
    let _ = list.set_attribute("aria-busy", "true");
    asked.update(|n| *n += 1);
    // The rows are built in this turn's effects; a frame callback runs after them and before
    // the frame is painted, so the visitor never sees the content jump.
    request_animation_frame(move || {
        let added = list.scroll_height() - before;
        let style = web_sys::HtmlElement::style(&list);
        // The log scrolls smoothly for new messages; this correction must be instant.
        let was = style
            .get_property_value("scroll-behavior")
            .unwrap_or_default();
        let _ = style.set_property("scroll-behavior", "auto");
        list.set_scroll_top(list.scroll_top() + added);
        let _ = style.set_property("scroll-behavior", &was);
        let _ = list.remove_attribute("aria-busy");
        // (`None`: set; the widget is still there.)
        if loading.try_set_value(false).is_none() && list.scroll_top() < NEAR_TOP_PX {
            load_older(list, window, asked, loading);
        }
    });
}

/// The scrolling conversation.
#[component]
pub fn MessageList() -> impl IntoView {
    let store = expect_context::<ChatStore>();
    let lang = store.lang();
    let phase = store.phase();
    let entries = store.entries();
    let list_ref = NodeRef::<html::Div>::new();
    // The window is being built: the first bubbles should not pay for the browser's locale data.
    when::warm_when_idle(move || lang.try_get_untracked().unwrap_or_default());

    let asked = RwSignal::new(0u32);
    let window = Memo::new(move |prev: Option<&Window>| {
        let asked = asked.get();
        entries.with(|rows| Window::next(prev, asked, rows.iter().map(|row| row.seq)))
    });
    let loading = StoredValue::new(false);
    // Older rows come in when the visitor scrolls up towards the top (not while the log
    // follows the conversation down).
    let last_top = StoredValue::new(0);
    let on_scroll = move |_| {
        let Some(list) = list_ref.get_untracked() else {
            return;
        };
        let top = list.scroll_top();
        let up = top < last_top.get_value();
        last_top.set_value(top);
        if up && top < NEAR_TOP_PX {
            load_older(list, window, asked, loading);
        }
    };

    // Follow the conversation: any new row, typing change or prompt scrolls to the bottom.
    Effect::new(move || {
        entries.track();
        store.agent_typing().track();
        store.survey().track();
        store.cobrowse().track();
        if let Some(list) = list_ref.get() {
            // After layout: rows rendered in this same update (the survey card, the composer
            // giving way to "New chat") must count in the height.
            request_animation_frame(move || {
                list.set_scroll_top(list.scroll_height());
                // Too few rows to scroll: there is no scrolling up to ask for older ones.
                if list.scroll_height() <= list.client_height() {
                    load_older(list, window, asked, loading);
                }
            });
        }
    });

    let show_welcome = move || phase.get() == Phase::Idle && entries.with(Vec::is_empty);

    // The newest row when the current request arrived: kept while it is answered, taken again
    // for the next request.
    let cobrowse = store.cobrowse();
    let anchor = Memo::new(move |prev: Option<&(CobrowseState, Option<u64>)>| {
        let state = cobrowse.get();
        let anchor = match prev {
            Some((was, anchor)) if *was == state || state != CobrowseState::Requested => *anchor,
            _ => entries.with_untracked(|rows| rows.last().map(|row| row.seq)),
        };
        (state, anchor)
    });
    let prompt_at = Memo::new(move |_| match anchor.get() {
        (CobrowseState::Idle, _) => PromptAt::Nowhere,
        (_, None) => PromptAt::Top,
        (_, Some(seq)) if entries.with(|rows| rows.iter().any(|row| row.seq == seq)) => {
            PromptAt::After(seq)
        }
        (_, Some(_)) => PromptAt::End,
    });

    view! {
        // Focusable so keyboard users can scroll a long conversation (axe: scrollable-region-focusable).
        <div
            class="wc-log"
            role="log"
            aria-live="polite"
            aria-relevant="additions text"
            aria-labelledby="wc-title"
            tabindex="0"
            node_ref=list_ref
            on:scroll=on_scroll
        >
            <Show when=move || phase.get() == Phase::Offline>
                <OfflineState />
            </Show>
            <Show when=show_welcome>
                <p class="wc-welcome">{tr(lang, Key::Welcome)}</p>
            </Show>
            <Show when=move || {
                prompt_at.get() == PromptAt::Top && window.with(|w| w.hidden == 0)
            }>
                <CobrowsePrompt />
            </Show>
            <For
                each=move || {
                    let lang = lang.get();
                    let hidden = window.with(|w| w.hidden);
                    let at = prompt_at.get();
                    entries.with(|rows| {
                        let mut items = Vec::with_capacity(rows.len().saturating_sub(hidden) + 1);
                        // The day of the last message above the window.
                        let mut last_day = None;
                        for row in rows[..hidden.min(rows.len())].iter().rev() {
                            if let RowDay::Message(Some(day)) | RowDay::Earlier(Some(day)) = row_day(row) {
                                last_day = Some(day);
                                break;
                            }
                        }
                        for (index, row) in rows.iter().enumerate().skip(hidden) {
                            let seq = row.seq;
                            if day_break(&mut last_day, row_day(row)) {
                                if let EntryKind::Message(m) = &row.kind {
                                    items.push((lang, Item::Day { seq, at: m.at_ms.unwrap_or_default() }));
                                }
                            }
                            items.push((lang, Item::Row { index, seq }));
                            if at == PromptAt::After(seq) {
                                items.push((lang, Item::Prompt));
                            }
                        }
                        items
                    })
                }
                key=|(lang, item)| (*lang, item.key())
                children=move |(lang, item)| {
                    let (index, seq) = match item {
                        Item::Row { index, seq } => (index, seq),
                        Item::Day { at, .. } => return day_separator(at, lang),
                        Item::Prompt => return view! { <CobrowsePrompt /> }.into_any(),
                    };
                    // Built in the update that listed it, so `index` finds it (else its seq does).
                    let kind = entries.with_untracked(|rows| {
                        rows.get(index)
                            .filter(|row| row.seq == seq)
                            .or_else(|| rows.iter().find(|row| row.seq == seq))
                            .map(|row| row.kind.clone())
                    });
                    match kind {
                        Some(EntryKind::Message(message)) => {
                            view! { <MessageBubble message=message lang=lang /> }.into_any()
                        }
                        Some(EntryKind::Notice(notice)) => {
                            view! { <SystemNotice notice=notice /> }.into_any()
                        }
                        None => ().into_any(),
                    }
                }
            />
            <Show when=move || prompt_at.get() == PromptAt::End>
                <CobrowsePrompt />
            </Show>
            <TypingIndicator />
            <TranscriptCard />
            <Survey />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(prev: Option<&Window>, asked: u32, seqs: &[u64]) -> Window {
        Window::next(prev, asked, seqs.iter().copied())
    }

    #[test]
    fn a_day_separator_goes_where_a_conversation_crosses_midnight() {
        let rows = [
            RowDay::Earlier(Some(10)),
            RowDay::Message(Some(10)),
            RowDay::Message(Some(11)),
            RowDay::Other,
            RowDay::Message(None),
            RowDay::Message(Some(11)),
            RowDay::Earlier(Some(20)),
            RowDay::Message(Some(20)),
            RowDay::Message(Some(23)),
        ];
        let mut last = None;
        let breaks: Vec<bool> = rows.iter().map(|r| day_break(&mut last, *r)).collect();
        assert_eq!(
            breaks,
            [false, false, true, false, false, false, false, false, true]
        );
        // The first message of all never gets one: nothing before it to cross from.
        let mut last = None;
        assert!(!day_break(&mut last, RowDay::Message(Some(5))));
        assert!(day_break(&mut last, RowDay::Message(Some(6))));
    }

    #[test]
    fn a_long_conversation_starts_with_its_newest_page() {
        let seqs: Vec<u64> = (0..1000).collect();
        let w = next(None, 0, &seqs);
        assert_eq!(w.hidden, 1000 - FIRST_PAGE);
        assert_eq!(w.first, Some((1000 - FIRST_PAGE) as u64));
        let short = next(None, 0, &[0, 1, 2]);
        assert_eq!((short.hidden, short.first), (0, Some(0)));
    }

    #[test]
    fn new_rows_join_the_window_and_older_pages_open_above() {
        let mut seqs: Vec<u64> = (0..1000).collect();
        let w = next(None, 0, &seqs);
        seqs.push(1000);
        let grown = next(Some(&w), 0, &seqs);
        assert_eq!(grown.hidden, w.hidden, "nothing drops out at the top");
        let older = next(Some(&grown), 1, &seqs);
        assert_eq!(older.hidden, w.hidden - OLDER_PAGE);
        // Asked for more than there is: everything.
        let all = next(Some(&older), 1000, &seqs);
        assert_eq!((all.hidden, all.first), (0, Some(0)));
    }

    #[test]
    fn a_replaced_conversation_or_rows_put_before_start_over() {
        let seqs: Vec<u64> = (0..1000).collect();
        let w = next(Some(&next(None, 0, &seqs)), 3, &seqs);
        // New rows (new seqs): the newest page again.
        let replaced: Vec<u64> = (2000..2300).collect();
        let r = next(Some(&w), 3, &replaced);
        assert_eq!(r.hidden, 300 - FIRST_PAGE);
        // Earlier chats put before a short conversation are shown with it.
        let short = next(None, 0, &[10, 11]);
        let with_earlier = next(Some(&short), 0, &[20, 21, 22, 10, 11]);
        assert_eq!(with_earlier.hidden, 0);
    }
}
