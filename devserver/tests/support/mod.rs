//! What the devserver test files share: one raw HTTP/1.1 request over TCP and its reply, so
//! exactly what a browser would see is asserted, and an in-process server to make the Public API
//! and test control calls to ([`console`] is the agent console's WebSocket). Included with `mod support;`; not a
//! test target of its own. Not every file uses every helper, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod console;

use std::net::SocketAddr;
use std::time::Duration;

use devserver::config::DEFAULT_TOKEN;
use devserver::{Config, Server, ServerHandle};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use webchat_protocol::api::{self, ApiError};

/// The Public API's path.
pub const API: &str = "/api/app.php/chatbot/v1";

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.body))
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        api::parse_response(self.status, &self.body)
    }

    /// The seed's error envelope, checked; returns the message.
    pub fn error_message(&self) -> String {
        let v = self.json();
        assert_eq!(v["Status"], self.status, "envelope of {:?}", self.body);
        assert!(v["StatusText"].is_string(), "envelope of {:?}", self.body);
        v["Message"].as_str().expect("Message").to_owned()
    }
}

fn decode_chunked(mut raw: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = raw.split_once("\r\n").expect("chunk size line");
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            return out;
        }
        out.push_str(&rest[..size]);
        raw = &rest[size + 2..];
    }
}

pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        req.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(b) = body {
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    req.push_str(body.unwrap_or(""));
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("reply within 10 s")
        .expect("read");
    let raw = String::from_utf8(raw).expect("UTF-8 reply");
    let (head, body) = raw.split_once("\r\n\r\n").expect("header end");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    Reply {
        status: status.parse().unwrap(),
        body: if chunked {
            decode_chunked(body)
        } else {
            body.to_owned()
        },
        headers,
    }
}

/// A devserver started in-process on 127.0.0.1:0 for one test, and a client that sends the
/// right token. Each file adds the calls of its own surface in an `impl` of its own.
pub struct TestServer {
    pub server: ServerHandle,
}

impl TestServer {
    /// With the tests' config ([`Config::for_tests`]).
    pub async fn start() -> TestServer {
        TestServer::with(Config::for_tests()).await
    }

    pub async fn with(config: Config) -> TestServer {
        TestServer {
            server: Server::start(config).await.expect("server starts"),
        }
    }

    /// A server whose campaigns have the identity secret `secret`.
    pub async fn with_identity_secret(secret: &str) -> TestServer {
        let args = [
            "--listen",
            "127.0.0.1:0",
            "--test-control",
            "--identity-secret",
            secret,
        ];
        TestServer::with(Config::from_args(args.into_iter().map(str::to_owned)).unwrap()).await
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// A Public API call (`{API}/{path}`) with the right token, then the `proofs` headers, and
    /// a JSON content type when there is a body.
    pub async fn api_with(
        &self,
        proofs: &[(&str, &str)],
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> Reply {
        let mut headers = vec![("X-API-TOKEN", DEFAULT_TOKEN)];
        headers.extend_from_slice(proofs);
        if body.is_some() {
            headers.push(("Content-Type", "application/json"));
        }
        http(
            self.addr(),
            method,
            &format!("{API}/{path}"),
            &headers,
            body,
        )
        .await
    }

    /// A call to the test control surface (`/_test/{path}`), JSON when there is a body.
    pub async fn control(&self, method: &str, path: &str, body: Option<&str>) -> Reply {
        let headers: &[(&str, &str)] = if body.is_some() {
            &[("Content-Type", "application/json")]
        } else {
            &[]
        };
        http(
            self.addr(),
            method,
            &format!("/_test/{path}"),
            headers,
            body,
        )
        .await
    }
}
