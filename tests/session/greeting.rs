//! An accepted proactive greeting: the agent's first message in the window, and the trigger in
//! the `POST chatsessions` of the chat the visitor's first message starts; ignored with a chat
//! under way; kept across a reload, and taken in any tab.

use leptos::prelude::GetUntracked;
use webchat::model::{Phase, Sender};
use webchat::session::{Method, TabMessage, ToLeader, UiAction};

use crate::sim::{campaign, deliver, Storage, Tab};

fn ana() -> Sender {
    Sender::Agent { nick: "Ana".into() }
}

#[test]
fn an_accepted_greeting_is_the_first_message_and_names_the_chat_it_starts() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.greet("welcome", "Hi! Need a hand?", Some("Ana"));
    assert_eq!(t.messages(), [(ana(), "Hi! Need a hand?".into())]);
    assert_eq!(t.phase(), Phase::Idle, "no chat until the visitor writes");
    assert_eq!(
        t.store.unread().get_untracked(),
        0,
        "read in its bubble, though the window is closed"
    );
    assert_eq!(t.paths(), ["campaigns/camp1"]);

    t.say("yes please");
    assert_eq!(
        t.body(Method::Post, "chatsessions")["greeting_trigger"],
        "welcome"
    );
    t.started(false);
    assert_eq!(t.phase(), Phase::Chatting);
    assert_eq!(
        t.messages(),
        [
            (ana(), "Hi! Need a hand?".into()),
            (Sender::Visitor, "yes please".into())
        ],
        "the greeting stays the chat's first message"
    );
    assert!(
        !t.stored("prechat").unwrap_or_default().contains("welcome"),
        "the trigger was this chat's: a later one starts without it"
    );
}

#[test]
fn a_greeting_without_a_name_speaks_for_the_campaign() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.greet("w", "Welcome!", None);
    t.greet("w2", "Again?", Some("Bo"));
    assert_eq!(
        t.messages(),
        [(Sender::System, "Welcome!".into())],
        "the first greeting stays"
    );
    t.say("hi");
    assert_eq!(
        t.body(Method::Post, "chatsessions")["greeting_trigger"],
        "w"
    );
}

#[test]
fn hostile_text_stays_text() {
    let hostile = "<img src=x onerror=\"alert(1)\"> & <b>bold</b>";
    let mut t = Tab::loaded(&campaign(true, true));
    t.greet("w", hostile, Some("<i>Ana</i>"));
    assert_eq!(
        t.messages(),
        [(
            Sender::Agent {
                nick: "<i>Ana</i>".into()
            },
            hostile.into()
        )]
    );
    t.advance(1);
    let saved = t.stored("transcript").expect("saved");
    let row: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(row[0]["text"], hostile, "saved as the same text");
}

#[test]
fn a_greeting_with_a_chat_under_way_is_ignored() {
    // Live.
    let mut t = Tab::loaded(&campaign(true, true));
    t.chatting(false);
    t.take_logs();
    t.greet("welcome", "Hi!", Some("Ana"));
    assert_eq!(t.texts(), ["hi"]);
    assert!(t
        .take_logs()
        .iter()
        .any(|l| l.contains("greeting `welcome` ignored: a chat is under way")));

    // Ended, with the window still showing it.
    t.act(UiAction::EndChat);
    t.greet("welcome", "Hi!", Some("Ana"));
    assert_eq!(t.texts(), ["hi"]);
    // A new chat is no chat under way: the greeting is its start.
    t.act(UiAction::StartNewChat);
    t.greet("welcome", "Hi!", Some("Ana"));
    assert_eq!(t.texts(), ["Hi!"]);

    // Written already (the first message waits for its chat).
    let mut t = Tab::loaded(&campaign(true, true));
    t.say("hello?");
    t.greet("welcome", "Hi!", Some("Ana"));
    assert_eq!(t.texts(), ["hello?"]);
    assert!(t
        .body(Method::Post, "chatsessions")
        .get("greeting_trigger")
        .is_none());
}

#[test]
fn an_invalid_greeting_is_refused_with_a_warning() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.greet("", "Hi!", None);
    t.greet("w", "   ", None);
    assert!(t.texts().is_empty());
    assert_eq!(
        t.take_logs()
            .iter()
            .filter(|l| l.starts_with("Warn: webchat: greeting"))
            .count(),
        2
    );
}

#[test]
fn a_greeting_taken_while_the_campaign_loads_names_the_queued_message() {
    // As the handoff applies a greeting accepted before the chat stage was loaded: before the
    // visitor's queued messages, while the campaign is read.
    let mut t = Tab::open(&Storage::default());
    t.greet("welcome", "Hi!", Some("Ana"));
    t.say("queued in the frame");
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    assert_eq!(t.texts(), ["Hi!", "queued in the frame"]);
    assert_eq!(
        t.body(Method::Post, "chatsessions")["greeting_trigger"],
        "welcome"
    );
}

#[test]
fn a_reload_keeps_the_greeting_before_and_during_the_chat() {
    let mut t = Tab::loaded(&campaign(true, true));
    t.greet("welcome", "Hi!", Some("Ana"));
    let storage = t.unload();

    // Before the first message: the row and the trigger come back.
    let mut t = Tab::open_seeded(&storage, 2);
    assert_eq!(t.messages(), [(ana(), "Hi!".into())]);
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    t.greet("other", "Hello again", None);
    assert_eq!(t.texts(), ["Hi!"], "the first greeting stays");
    t.say("hi");
    assert_eq!(
        t.body(Method::Post, "chatsessions")["greeting_trigger"],
        "welcome"
    );
    t.started(false);
    let storage = t.unload();

    // Mid-chat: the saved transcript still starts with it.
    let mut t = Tab::open_seeded(&storage, 3);
    assert_eq!(
        t.messages(),
        [(ana(), "Hi!".into()), (Sender::Visitor, "hi".into())]
    );
    t.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    t.greet("welcome", "Hi!", Some("Ana"));
    assert_eq!(
        t.texts(),
        ["Hi!", "hi"],
        "a chat being continued is under way"
    );
}

#[test]
fn a_follower_tab_passes_the_greeting_to_the_leader() {
    let storage = Storage::default();
    let mut a = Tab::open_seeded(&storage, 1);
    let now = a.now();
    a.s.handle_tabs_joined(true, now);
    a.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    let mut b = Tab::open_seeded(&storage, 2);
    let now = b.now();
    b.s.handle_tabs_joined(false, now);
    b.reply(Method::Get, "campaigns/camp1", 200, &campaign(true, true));
    deliver(&mut a, &mut b);

    b.greet("welcome", "Hi!", Some("Ana"));
    assert!(b.posted.iter().any(|m| matches!(
        m,
        TabMessage::ToLeader(ToLeader::Greeting(g)) if g.id == "welcome"
    )));
    deliver(&mut a, &mut b);
    assert_eq!(a.messages(), [(ana(), "Hi!".into())]);
    assert_eq!(b.messages(), [(ana(), "Hi!".into())], "shown in every tab");

    b.say("hi");
    deliver(&mut a, &mut b);
    assert_eq!(
        a.body(Method::Post, "chatsessions")["greeting_trigger"],
        "welcome"
    );
}
