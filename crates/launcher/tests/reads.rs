#![cfg(target_arch = "wasm32")]
//! Browser tests of the launcher's API reads: two reads of one resource at the same moment are
//! one request (the launcher's campaign read and the visibility rules' happen together), and a
//! caller that stops waiting strands nobody.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen_test::*;
use webchat_launcher::adapters::api::{ApiRead, LocalFuture, NetError, Reply, SharedReads};

mod support;
use support::sleep;

wasm_bindgen_test_configure!(run_in_browser);

/// The reads a [`SlowApi`] was asked for: path and `If-None-Match`.
type Asked = Vec<(String, Option<String>)>;

/// A network whose replies come 20 ms after the request, numbered by request.
#[derive(Clone, Default)]
struct SlowApi(Rc<RefCell<Asked>>);

impl ApiRead for SlowApi {
    fn get(&self, path: &str, etag: Option<&str>) -> LocalFuture<Result<Reply, NetError>> {
        self.0
            .borrow_mut()
            .push((path.to_owned(), etag.map(str::to_owned)));
        let n = self.0.borrow().len();
        Box::pin(async move {
            sleep(20).await;
            Ok(Reply {
                status: 200,
                etag: None,
                body: format!("reply {n}"),
            })
        })
    }
}

fn body(r: Result<Reply, NetError>) -> String {
    r.expect("a reply").body
}

#[wasm_bindgen_test]
async fn concurrent_reads_of_one_resource_are_one_request() {
    let api = SlowApi::default();
    let shared = SharedReads::new(Rc::new(api.clone()));
    // The launcher and the visibility rules read the campaign at the same moment.
    let (a, b) = (
        shared.get("campaigns/c1", None),
        shared.get("campaigns/c1", None),
    );
    // Another resource, and a conditional read, are never shared.
    let other = shared.get("campaigns/c2", None);
    let conditional = shared.get("campaigns/c1", Some("\"v1\""));
    let (a, b, other, conditional) = (
        body(a.await),
        body(b.await),
        body(other.await),
        body(conditional.await),
    );
    assert_eq!(a, "reply 1");
    assert_eq!(b, a, "both callers get the one reply");
    assert_eq!(other, "reply 2");
    assert_eq!(conditional, "reply 3");
    // Once the read is over, the next one goes to the network again (polling stays fresh).
    assert_eq!(body(shared.get("campaigns/c1", None).await), "reply 4");
    let paths: Vec<String> = api.0.borrow().iter().map(|(p, _)| p.clone()).collect();
    assert_eq!(
        paths,
        [
            "campaigns/c1",
            "campaigns/c2",
            "campaigns/c1",
            "campaigns/c1"
        ]
    );
}

#[wasm_bindgen_test]
async fn a_caller_that_stops_waiting_does_not_strand_the_others() {
    let api = SlowApi::default();
    let shared = SharedReads::new(Rc::new(api.clone()));
    let first = shared.get("campaigns/c1", None);
    let second = shared.get("campaigns/c1", None);
    drop(first);
    assert_eq!(body(second.await), "reply 1");
    assert_eq!(api.0.borrow().len(), 1);
}
