//! The store's own tests: what each setter and update does to the signals.

use super::*;

fn store() -> ChatStore {
    ChatStore::new(WidgetConfig::default(), true)
}

/// `f` of every message shown, in order (notices left out).
fn each_message<T>(s: &ChatStore, f: impl Fn(Message) -> T) -> Vec<T> {
    s.entries()
        .get_untracked()
        .into_iter()
        .filter_map(|e| match e.kind {
            EntryKind::Message(m) => Some(f(m)),
            EntryKind::Notice(_) => None,
        })
        .collect()
}

fn messages(s: &ChatStore) -> Vec<(Sender, String)> {
    each_message(s, |m| (m.sender, m.text))
}

#[test]
fn unavailable_campaign_starts_offline() {
    assert_eq!(
        ChatStore::new(WidgetConfig::default(), false)
            .phase()
            .get_untracked(),
        Phase::Offline
    );
    assert_eq!(store().phase().get_untracked(), Phase::Idle);
}

#[test]
fn agent_messages_are_deduplicated_by_id() {
    let s = store();
    assert!(s.add_agent_message("u1", "Ana", "Hello"));
    assert!(!s.add_agent_message("u1", "Ana", "Hello"));
    assert_eq!(
        messages(&s),
        vec![(Sender::Agent { nick: "Ana".into() }, "Hello".into())]
    );
}

#[test]
fn unread_counts_only_while_closed() {
    let s = store();
    s.add_agent_message("1", "Ana", "a");
    s.add_agent_message("2", "Ana", "b");
    assert_eq!(s.unread().get_untracked(), 2);
    s.open_window();
    assert_eq!(s.unread().get_untracked(), 0);
    s.add_agent_message("3", "Ana", "c");
    assert_eq!(s.unread().get_untracked(), 0);
}

#[test]
fn an_unread_count_from_outside_is_counted_on_from_only_while_closed() {
    let s = store();
    s.set_unread(4);
    s.add_agent_message("a1", "Ana", "Hello");
    assert_eq!(s.unread().get_untracked(), 5);
    s.open_window();
    s.set_unread(3);
    assert_eq!(s.unread().get_untracked(), 0, "an open window has read it");
    s.minimise_window();
    s.set_unread(2);
    assert_eq!(s.unread().get_untracked(), 2);
    s.add_agent_message("greeting:welcome", "Ana", "Need a hand?");
    assert_eq!(
        s.unread().get_untracked(),
        2,
        "an accepted greeting was read in its bubble"
    );
}

#[test]
fn visitor_message_status_moves_from_sending() {
    let s = store();
    s.add_visitor_message("v1", "hi");
    let status = |s: &ChatStore| match &s.entries().get_untracked()[0].kind {
        EntryKind::Message(m) => m.status.get_untracked(),
        EntryKind::Notice(_) => unreachable!("first entry is the message"),
    };
    assert_eq!(status(&s), MessageStatus::Sending);
    assert!(s.set_message_status(&"v1".into(), MessageStatus::Sent));
    assert_eq!(status(&s), MessageStatus::Sent);
    assert!(!s.set_message_status(&"nope".into(), MessageStatus::Failed));
}

#[test]
fn consecutive_messages_from_one_sender_are_grouped() {
    let s = store();
    s.add_agent_message("1", "Ana", "a");
    s.add_agent_message("2", "Ana", "b");
    s.add_agent_message("3", "Bo", "c");
    s.add_notice(Notice::AgentAvailable);
    s.add_agent_message("4", "Bo", "d");
    s.add_visitor_message("5", "e");
    s.add_visitor_message("6", "f");
    let grouped = groups(&s);
    assert_eq!(grouped, vec![false, true, false, false, false, true]);
}

#[test]
fn agent_message_clears_typing() {
    let s = store();
    s.set_agent_typing(true);
    s.add_agent_message("1", "Ana", "done");
    assert!(!s.agent_typing().get_untracked());
}

#[test]
fn entries_have_unique_increasing_keys() {
    let s = store();
    s.add_visitor_message("v", "a");
    s.add_notice(Notice::AgentUnavailable);
    s.add_agent_message("x", "Ana", "b");
    let seqs: Vec<u64> = s.entries().get_untracked().iter().map(|e| e.seq).collect();
    assert_eq!(seqs, vec![0, 1, 2]);
}

#[test]
fn snapshot_restores_with_groups_and_history_goes_first() {
    let s = store();
    s.add_agent_message("a1", "Ana", "hi");
    s.add_visitor_message("v1", "hello");
    s.set_message_status(&"v1".into(), MessageStatus::Sent);
    s.add_visitor_message("v2", "still sending");
    s.add_notice(Notice::AgentUnavailable);
    let saved = s.snapshot();

    let t = store();
    t.apply(ViewUpdate::Restore(saved.clone()));
    assert_eq!(t.snapshot(), saved);
    assert_eq!(
        t.unread().get_untracked(),
        0,
        "restored messages are not new"
    );
    let groups = groups(&t);
    assert_eq!(groups, vec![false, false, true]);

    let old = vec![SavedEntry::Message {
        id: "h1".into(),
        sender: Sender::Visitor,
        text: "last week".into(),
        status: MessageStatus::Sent,
        at_ms: Some(1_000),
        earlier: true,
    }];
    t.apply(ViewUpdate::Prepend(old));
    assert_eq!(messages(&t)[0], (Sender::Visitor, "last week".into()));
    assert_eq!(messages(&t).len(), 4);
    let seqs: std::collections::HashSet<u64> =
        t.entries().get_untracked().iter().map(|e| e.seq).collect();
    assert_eq!(
        seqs.len(),
        t.entries().get_untracked().len(),
        "keys stay unique"
    );

    t.set_agent_typing(true);
    t.apply(ViewUpdate::Clear { unread: true });
    t.set_agent_typing(false);
    assert!(t.entries().get_untracked().is_empty());
    assert!(!t.agent_typing().get_untracked());
}

#[test]
fn sync_appends_what_is_new_and_replaces_what_differs() {
    let leader = store();
    leader.add_visitor_message("v1", "hi");
    let follower = store();
    follower.apply(ViewUpdate::Sync(leader.snapshot()));
    let first_seq = follower.entries().get_untracked()[0].seq;
    leader.set_message_status(&"v1".into(), MessageStatus::Sent);
    leader.add_agent_message("a1", "Ana", "hello");
    follower.apply(ViewUpdate::Sync(leader.snapshot()));
    assert_eq!(follower.snapshot(), leader.snapshot());
    assert_eq!(
        follower.entries().get_untracked()[0].seq,
        first_seq,
        "kept, not re-rendered"
    );
    // A row the leader does not have (yet): replaced by the leader's view.
    follower.add_visitor_message("v2", "mine");
    follower.apply(ViewUpdate::Sync(leader.snapshot()));
    assert_eq!(follower.snapshot(), leader.snapshot());
}

fn groups(s: &ChatStore) -> Vec<bool> {
    each_message(s, |m| m.continues_group)
}

#[test]
fn a_pause_of_more_than_a_few_minutes_starts_a_new_group() {
    let s = store();
    let t = 1_764_900_000_000;
    s.add_agent_message_at("1", "Ana", "a", Some(t));
    s.add_agent_message_at("2", "Ana", "b", Some(t + 60_000));
    s.add_agent_message_at("3", "Ana", "c", Some(t + 60_000 + GROUP_GAP_MS + 1));
    s.add_agent_message("4", "Ana", "no time: joins");
    assert_eq!(groups(&s), vec![false, true, false, true]);
    let times: Vec<Option<u64>> = s
        .snapshot()
        .into_iter()
        .filter_map(|e| match e {
            SavedEntry::Message { at_ms, .. } => Some(at_ms),
            SavedEntry::Notice(_) => None,
        })
        .collect();
    assert_eq!(
        times,
        vec![
            Some(t),
            Some(t + 60_000),
            Some(t + 60_000 + GROUP_GAP_MS + 1),
            None
        ]
    );
    // A reload groups the same way.
    let r = store();
    r.apply(ViewUpdate::Restore(s.snapshot()));
    assert_eq!(groups(&r), vec![false, true, false, true]);
}
