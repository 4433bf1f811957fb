//! Readiness probe for a test XMPP server: a real RFC 7395 exchange over plain std TCP.
//!
//! It upgrades `GET PATH` to a WebSocket with subprotocol `xmpp`, sends `<open to=DOMAIN/>` and
//! waits for `<stream:features>` that list SASL mechanisms. A listening socket alone proves
//! little (ejabberd accepts before its virtual hosts are loaded); this proves the domain is served.
//! [`bosh_ready`] asks the BOSH endpoint for a session the same way (XEP-0206 creation request,
//! features in the answer). It does not log in or register; the interop tests do that.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const OPCODE_TEXT: u8 = 0x1;
const OPCODE_CLOSE: u8 = 0x8;

/// Does the server at `127.0.0.1:port` serve XMPP over WebSocket for `domain`? `Err` says why not.
pub fn xmpp_ws_ready(port: u16, path: &str, domain: &str) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .and_then(|()| stream.set_write_timeout(Some(Duration::from_secs(5))))
        .map_err(|e| format!("socket options: {e}"))?;

    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Protocol: xmpp\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send upgrade: {e}"))?;
    let head = read_http_head(&mut stream)?;
    let status_line = head.lines().next().unwrap_or_default();
    if !status_line.contains(" 101") {
        return Err(format!("WebSocket upgrade refused: {status_line}"));
    }
    // ejabberd writes `Sec-Websocket-Protocol:xmpp` (odd case, no space): compare loosely.
    let protocol_ok = head.lines().any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("sec-websocket-protocol:") && l.contains("xmpp")
    });
    if !protocol_ok {
        return Err("WebSocket upgrade did not select subprotocol `xmpp`".into());
    }

    let open = format!(
        "<open xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\" to=\"{domain}\" version=\"1.0\"/>"
    );
    write_frame(&mut stream, OPCODE_TEXT, open.as_bytes())?;
    // The server sends <open/> and then <stream:features/> (possibly an error instead).
    for _ in 0..4 {
        let (opcode, payload) = read_frame(&mut stream)?;
        let text = String::from_utf8_lossy(&payload);
        if opcode == OPCODE_CLOSE {
            return Err("server closed the WebSocket after <open/>".into());
        }
        if text.contains("stream:error") || text.contains("host-unknown") {
            return Err(format!("server rejected domain {domain}: {text}"));
        }
        if text.contains("features") {
            if !text.contains("mechanism") {
                return Err(format!(
                    "stream features for {domain} list no SASL mechanisms: {text}"
                ));
            }
            let close = "<close xmlns=\"urn:ietf:params:xml:ns:xmpp-framing\"/>";
            // Closing politely is courtesy; the probe has its answer either way.
            let _ = write_frame(&mut stream, OPCODE_TEXT, close.as_bytes());
            return Ok(());
        }
    }
    Err(format!("no <stream:features> for {domain}"))
}

/// Does the server at `127.0.0.1:port` serve XMPP over BOSH for `domain` at `path`? The
/// session it creates expires on its own (the servers' inactivity timeout).
pub fn bosh_ready(port: u16, path: &str, domain: &str) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| format!("socket options: {e}"))?;
    let body = format!(
        "<body xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh' rid='1000' \
         to='{domain}' wait='1' hold='1' ver='1.6' xml:lang='en' xmpp:version='1.0'/>"
    );
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/xml; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("send BOSH request: {e}"))?;
    let mut answer = Vec::new();
    // `Connection: close`: the answer ends with the connection (or the read timeout).
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    let status_line = answer.lines().next().unwrap_or_default();
    if !status_line.contains(" 200") {
        return Err(format!("BOSH at {path} answered {status_line:?}"));
    }
    if !answer.contains("sid=") || !answer.contains("mechanism") {
        return Err(format!(
            "no BOSH session with features for {domain}: {answer}"
        ));
    }
    Ok(())
}

fn read_http_head(stream: &mut TcpStream) -> Result<String, String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    // Byte by byte so nothing of the first WebSocket frame is swallowed.
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 {
            return Err("HTTP response head too long".into());
        }
        match stream.read(&mut byte) {
            Ok(0) => return Err("connection closed during the WebSocket upgrade".into()),
            Ok(_) => head.push(byte[0]),
            Err(e) => return Err(format!("read upgrade response: {e}")),
        }
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// Client frames must be masked (RFC 6455 §5.3); the key need not be secret for a probe.
fn write_frame(stream: &mut TcpStream, opcode: u8, payload: &[u8]) -> Result<(), String> {
    let mut frame = vec![0x80 | opcode];
    let len = payload.len();
    if len < 126 {
        frame.push(0x80 | len as u8);
    } else if len <= usize::from(u16::MAX) {
        frame.push(0x80 | 126);
        frame.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        frame.push(0x80 | 127);
        frame.extend_from_slice(&(len as u64).to_be_bytes());
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0x5a5a_5a5a);
    let key = nanos.to_be_bytes();
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    stream
        .write_all(&frame)
        .map_err(|e| format!("send frame: {e}"))
}

/// One unfragmented server frame: (opcode, payload). Servers' frames are unmasked.
fn read_frame(stream: &mut TcpStream) -> Result<(u8, Vec<u8>), String> {
    let mut head = [0u8; 2];
    stream
        .read_exact(&mut head)
        .map_err(|e| format!("read frame: {e}"))?;
    let opcode = head[0] & 0x0f;
    let len = match head[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            stream.read_exact(&mut b).map_err(|e| e.to_string())?;
            u64::from(u16::from_be_bytes(b))
        }
        127 => {
            let mut b = [0u8; 8];
            stream.read_exact(&mut b).map_err(|e| e.to_string())?;
            u64::from_be_bytes(b)
        }
        n => u64::from(n),
    };
    if len > 1 << 20 {
        return Err(format!("frame of {len} bytes is not a stream header"));
    }
    let mut payload = vec![0u8; len as usize];
    stream
        .read_exact(&mut payload)
        .map_err(|e| format!("read frame payload: {e}"))?;
    Ok((opcode, payload))
}
