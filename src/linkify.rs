//! Splits message text into plain text and safe links.
//!
//! Only `http://`, `https://` and `mailto:` become links; everything else — `javascript:`, `data:`,
//! markup, quotes — stays text. The output is a list of slices of the input: the view turns text
//! segments into text nodes and link segments into `<a>` elements built with the DOM API, so no
//! string is ever parsed as HTML. This module does no DOM work itself.

/// A piece of message text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Segment<'a> {
    /// Shown as text.
    Text(&'a str),
    /// Shown as a link; the slice is both the `href` and the visible text.
    Link(&'a str),
}

/// Schemes that may become links (lowercase; matched case-insensitively).
const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// Characters that end a link: whitespace and characters that never belong to a URL in chat text.
fn ends_link(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '<' | '>' | '"' | '`' | '{' | '}' | '|' | '\\' | '^')
}

/// Splits `text` into segments. Concatenating the segments gives back `text` exactly.
pub fn linkify(text: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    let mut plain_start = 0;
    let mut i = 0;
    while i < text.len() {
        if let Some(len) = link_at(text, i) {
            if plain_start < i {
                out.push(Segment::Text(&text[plain_start..i]));
            }
            out.push(Segment::Link(&text[i..i + len]));
            i += len;
            plain_start = i;
        } else {
            // Advance by one character, not one byte: slices must stay on char boundaries.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
    if plain_start < text.len() {
        out.push(Segment::Text(&text[plain_start..]));
    }
    out
}

/// The byte length of a link starting at `start`, if one does.
fn link_at(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    // A scheme glued to a preceding letter or digit ("xhttp://") is not a link start.
    if let Some(prev) = text[..start].chars().next_back() {
        if prev.is_alphanumeric() {
            return None;
        }
    }
    let scheme = SCHEMES.iter().find(|s| {
        rest.len() >= s.len()
            && rest.is_char_boundary(s.len())
            && rest[..s.len()].eq_ignore_ascii_case(s)
    })?;
    let body_end = rest
        .char_indices()
        .find(|&(_, c)| ends_link(c))
        .map_or(rest.len(), |(i, _)| i);
    let end = trim_trailing(&rest[..body_end]);
    // Trimming may eat into the scheme itself ("mailto:" alone loses its colon): no link then.
    let body = rest.get(scheme.len()..end)?;
    let valid = if *scheme == "mailto:" {
        valid_mailto(body)
    } else {
        valid_host_start(body)
    };
    if !valid {
        return None;
    }
    Some(end)
}

/// Drops punctuation that ends a sentence rather than a URL; a closing parenthesis stays when
/// the link itself opened one (Wikipedia-style URLs).
fn trim_trailing(link: &str) -> usize {
    let mut end = link.len();
    loop {
        let Some(last) = link[..end].chars().next_back() else {
            return end;
        };
        let drop = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => link[..end].matches('(').count() < link[..end].matches(')').count(),
            ']' => link[..end].matches('[').count() < link[..end].matches(']').count(),
            _ => false,
        };
        if !drop {
            return end;
        }
        end -= last.len_utf8();
    }
}

/// An http(s) link needs a host: at least one letter or digit right after `//`.
fn valid_host_start(body: &str) -> bool {
    body.chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '[')
}

/// A mailto link needs `local@domain` with both parts non-empty.
fn valid_mailto(body: &str) -> bool {
    let addr = body.split('?').next().unwrap_or("");
    match addr.split_once('@') {
        Some((local, domain)) => !local.is_empty() && !domain.is_empty() && !domain.contains('@'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::Segment::{Link, Text};
    use super::*;

    fn joined(segments: &[Segment<'_>]) -> String {
        segments
            .iter()
            .map(|s| match s {
                Text(t) | Link(t) => *t,
            })
            .collect()
    }

    #[test]
    fn plain_text_stays_text() {
        assert_eq!(linkify("hello world"), vec![Text("hello world")]);
        assert_eq!(linkify(""), vec![]);
    }

    #[test]
    fn finds_http_https_and_mailto() {
        assert_eq!(
            linkify("see https://example.com/a?b=1#c now"),
            vec![
                Text("see "),
                Link("https://example.com/a?b=1#c"),
                Text(" now")
            ]
        );
        assert_eq!(linkify("http://x.io"), vec![Link("http://x.io")]);
        assert_eq!(
            linkify("mail mailto:help@example.com please"),
            vec![
                Text("mail "),
                Link("mailto:help@example.com"),
                Text(" please")
            ]
        );
        assert_eq!(
            linkify("HTTPS://EXAMPLE.COM"),
            vec![Link("HTTPS://EXAMPLE.COM")]
        );
    }

    #[test]
    fn dangerous_schemes_stay_text() {
        for hostile in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(document.cookie)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "mailto:",
            "mailto:@",
            "http://",
            "https:///path",
        ] {
            let segments = linkify(hostile);
            assert!(
                segments.iter().all(|s| matches!(s, Text(_))),
                "{hostile:?} gave {segments:?}"
            );
            assert_eq!(joined(&segments), hostile);
        }
    }

    #[test]
    fn markup_is_never_part_of_a_link() {
        let text =
            "<a href=\"javascript:alert(1)\">x</a> https://ok.example/<script>alert(1)</script>";
        let segments = linkify(text);
        assert_eq!(joined(&segments), text);
        let links: Vec<_> = segments
            .iter()
            .filter_map(|s| if let Link(l) = s { Some(*l) } else { None })
            .collect();
        assert_eq!(links, vec!["https://ok.example/"]);
    }

    #[test]
    fn quotes_end_the_link() {
        let segments = linkify("\"https://a.example/\" onclick=\"x\"");
        assert_eq!(segments[1], Link("https://a.example/"));
        assert_eq!(joined(&segments), "\"https://a.example/\" onclick=\"x\"");
    }

    #[test]
    fn scheme_inside_a_word_is_not_a_link() {
        assert_eq!(
            linkify("xhttp://a.example"),
            vec![Text("xhttp://a.example")]
        );
        // A scheme after punctuation is: `javascript:` before it stays text.
        assert_eq!(
            linkify("javascript:https://a.example"),
            vec![Text("javascript:"), Link("https://a.example")]
        );
    }

    #[test]
    fn trailing_punctuation_is_left_out() {
        assert_eq!(
            linkify("Go to https://a.example/x. Then"),
            vec![Text("Go to "), Link("https://a.example/x"), Text(". Then")]
        );
        assert_eq!(
            linkify("(see https://a.example/x)"),
            vec![Text("(see "), Link("https://a.example/x"), Text(")")]
        );
        assert_eq!(
            linkify("https://en.wikipedia.org/wiki/Rust_(language)!"),
            vec![
                Link("https://en.wikipedia.org/wiki/Rust_(language)"),
                Text("!")
            ]
        );
    }

    #[test]
    fn unicode_is_kept_intact() {
        let text = "Grüße 👋 https://bücher.example/straße, 日本 mailto:ana@例え.jp";
        let segments = linkify(text);
        assert_eq!(joined(&segments), text);
        assert!(segments.contains(&Link("https://bücher.example/straße")));
        assert!(segments.contains(&Link("mailto:ana@例え.jp")));
        // Right-to-left text and combining marks around a link.
        let rtl = "שלום https://a.example/ עולם é\u{301}";
        assert_eq!(joined(&linkify(rtl)), rtl);
    }

    #[test]
    fn multibyte_prefixes_do_not_panic() {
        for text in [
            "é",
            "日本語",
            "👋👋",
            "ĥttp://x",
            "https://\u{200b}",
            "m\u{301}ailto:a@b",
        ] {
            assert_eq!(joined(&linkify(text)), text);
        }
    }

    #[test]
    fn several_links_in_one_message() {
        let segments = linkify("a https://x.example b http://y.example\nc");
        assert_eq!(
            segments,
            vec![
                Text("a "),
                Link("https://x.example"),
                Text(" b "),
                Link("http://y.example"),
                Text("\nc")
            ]
        );
    }
}
