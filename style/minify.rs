//! The build-time CSS minifier: the build scripts run [`minify`] on `style/launcher.css`
//! (`crates/launcher/build.rs`) and `style/chat.css` (`build.rs`) and each stage compiles in its
//! result, so the wasm carries no comments or indentation while the readable
//! file stays the source of truth.
//!
//! It only removes what CSS ignores: comments, and whitespace at the start and end and next to
//! `{ } ; , !` and after `: (` (never before `:`, where `.a :hover` differs from `.a:hover`;
//! never around `+ - * /`, which `calc()` needs). Runs of whitespace become one space, the `;`
//! before a `}` goes, strings are copied as written. It does not rename, merge rules or
//! shorten values. Included by both build scripts and by `tests/style.rs` (its tests run there).

/// `css` without comments and insignificant whitespace.
pub fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    // A whitespace run (or a comment) was skipped and may need to become one space.
    let mut gap = false;
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut last = ' ';
            for c in chars.by_ref() {
                if last == '*' && c == '/' {
                    break;
                }
                last = c;
            }
            gap = true;
            continue;
        }
        if c.is_whitespace() {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() && !no_space_after(out.chars().last()) && !no_space_before(c) {
            out.push(' ');
        }
        gap = false;
        if c == '}' && out.ends_with(';') {
            out.pop();
        }
        out.push(c);
        if c == '"' || c == '\'' {
            // A string: copied as written, escapes included, up to its closing quote.
            let mut escaped = false;
            for s in chars.by_ref() {
                out.push(s);
                if escaped {
                    escaped = false;
                } else if s == '\\' {
                    escaped = true;
                } else if s == c {
                    break;
                }
            }
        }
    }
    out
}

/// Characters a space before which never matters.
fn no_space_before(c: char) -> bool {
    matches!(c, '{' | '}' | ';' | ',' | '!' | ')')
}

/// Characters a space after which never matters.
fn no_space_after(c: Option<char>) -> bool {
    matches!(c, Some('{' | '}' | ';' | ',' | ':' | '('))
}

#[cfg(test)]
mod tests {
    use super::minify;

    /// Both sheets, as the shadow root applies them (the launcher's first).
    const SOURCE: &str = concat!(include_str!("launcher.css"), include_str!("chat.css"));

    /// Every declaration of a stylesheet with the at-rule and selector preludes it sits in:
    /// (preludes, declaration), whitespace reduced to what [`squash`] keeps. Written apart
    /// from the minifier so the two cannot share a mistake.
    fn declarations(css: &str) -> Vec<(Vec<String>, String)> {
        let text = strip_comments(css);
        let mut out = Vec::new();
        let mut stack: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut quote = None;
        for c in text.chars() {
            if let Some(q) = quote {
                current.push(c);
                if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                '"' | '\'' => {
                    quote = Some(c);
                    current.push(c);
                }
                '{' => stack.push(squash(&std::mem::take(&mut current))),
                ';' | '}' => {
                    let decl = squash(&std::mem::take(&mut current));
                    if !decl.is_empty() {
                        out.push((stack.clone(), decl));
                    }
                    if c == '}' {
                        stack.pop();
                    }
                }
                _ => current.push(c),
            }
        }
        out
    }

    /// Every selector (or at-rule prelude part) between commas, [`squash`]ed (which keeps the
    /// space of `.a :hover`).
    fn selectors(css: &str) -> Vec<String> {
        let text = strip_comments(css);
        let mut out = Vec::new();
        let mut rest = text.as_str();
        while let Some(open) = rest.find('{') {
            let prelude = rest[..open]
                .rsplit(['}', ';', '{'])
                .next()
                .unwrap_or_default();
            out.extend(prelude.split(',').map(squash));
            rest = &rest[open + 1..];
        }
        out
    }

    fn strip_comments(css: &str) -> String {
        let mut out = String::new();
        let mut rest = css;
        while let Some(start) = rest.find("/*") {
            out.push_str(&rest[..start]);
            out.push(' ');
            rest = rest[start + 2..]
                .split_once("*/")
                .map_or("", |(_, after)| after);
        }
        out.push_str(rest);
        out
    }

    /// Whitespace collapsed, and removed next to `,` `!` `(` `)` and after `:`.
    fn squash(s: &str) -> String {
        let words = s.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut out = String::new();
        let mut chars = words.chars().peekable();
        while let Some(c) = chars.next() {
            if c == ' ' {
                let before = out.chars().last();
                let after = chars.peek().copied();
                if matches!(before, Some(',' | ':' | '(')) || matches!(after, Some(',' | '!' | ')'))
                {
                    continue;
                }
            }
            out.push(c);
        }
        out
    }

    #[test]
    fn test_widget_css_keeps_every_rule_selector_and_declaration() {
        let min = minify(SOURCE);
        let source_rules = declarations(SOURCE);
        assert!(source_rules.len() > 200, "the parser found the rules");
        assert_eq!(declarations(&min), source_rules);
        assert_eq!(selectors(&min), selectors(SOURCE));
        assert!(selectors(SOURCE).contains(&".wc-status[data-phase=\"idle\"] .wc-dot".to_owned()));
        assert_eq!(SOURCE.matches('{').count(), min.matches('{').count());
        assert!(!min.contains("/*") && !min.contains('\n') && !min.contains("  "));
        assert!(
            min.len() * 100 < SOURCE.len() * 85,
            "{} of {}",
            min.len(),
            SOURCE.len()
        );
    }

    #[test]
    fn test_minify_keeps_what_css_needs() {
        assert_eq!(
            minify("/* c */ .a :hover , .b::after {\n  width: calc(100% - 2px) ;\n  content: \"a  /* b */ ; }\" ;\n}\n"),
            ".a :hover,.b::after{width:calc(100% - 2px);content:\"a  /* b */ ; }\"}"
        );
        assert_eq!(
            minify("@media (max-width: 480px) and (hover: none) { .a { color: red !important; } }"),
            "@media (max-width:480px) and (hover:none){.a{color:red!important}}"
        );
        assert_eq!(minify("a{b:c}/* end"), "a{b:c}");
        assert_eq!(minify(" \n "), "");
        assert_eq!(minify(minify(SOURCE).as_str()), minify(SOURCE));
    }
}
