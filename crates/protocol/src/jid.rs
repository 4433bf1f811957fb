//! JIDs (RFC 7622): parse `local@domain/resource`, look at the parts, compare bare JIDs.
//!
//! What it does not do: stringprep/PRECIS normalisation. Servers normalise the JIDs they
//! stamp on stanzas; we only need to compare what they send with what we were given, so
//! bare comparison ignores ASCII case in the local part and domain (what nodeprep and
//! nameprep fold for the identifiers this protocol uses).

use core::fmt;

/// Why a string is not a JID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JidError {
    /// The string is empty.
    Empty,
    /// `@domain`: the local part before `@` is empty.
    EmptyLocal,
    /// No domain, e.g. `user@` or `/res`.
    EmptyDomain,
    /// `domain/`: the resource after `/` is empty.
    EmptyResource,
    /// A part is longer than 1023 bytes.
    TooLong,
    /// Whitespace, control characters or a second `@` where not allowed.
    InvalidChar,
}

impl JidError {
    /// What was wrong.
    pub fn message(&self) -> &'static str {
        match self {
            JidError::Empty => "empty JID",
            JidError::EmptyLocal => "empty local part",
            JidError::EmptyDomain => "empty domain",
            JidError::EmptyResource => "empty resource",
            JidError::TooLong => "JID part longer than 1023 bytes",
            JidError::InvalidChar => "invalid character in JID",
        }
    }
}

impl fmt::Display for JidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for JidError {}

/// A parsed JID; keeps the original string and the positions of `@` and `/`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Jid {
    s: String,
    at: Option<usize>,
    slash: Option<usize>,
}

impl Jid {
    /// Parses `[local@]domain[/resource]`.
    pub fn parse(s: &str) -> Result<Jid, JidError> {
        if s.is_empty() {
            return Err(JidError::Empty);
        }
        let slash = s.find('/');
        let bare = &s[..slash.unwrap_or(s.len())];
        let at = bare.find('@');
        let (local, domain) = match at {
            Some(i) => (Some(&bare[..i]), &bare[i + 1..]),
            None => (None, bare),
        };
        if let Some(l) = local {
            if l.is_empty() {
                return Err(JidError::EmptyLocal);
            }
            if l.len() > 1023 {
                return Err(JidError::TooLong);
            }
            if l.chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"&'/:<>@".contains(c))
            {
                return Err(JidError::InvalidChar);
            }
        }
        if domain.is_empty() {
            return Err(JidError::EmptyDomain);
        }
        if domain.len() > 1023 {
            return Err(JidError::TooLong);
        }
        if domain
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '@')
        {
            return Err(JidError::InvalidChar);
        }
        if let Some(i) = slash {
            let r = &s[i + 1..];
            if r.is_empty() {
                return Err(JidError::EmptyResource);
            }
            if r.len() > 1023 {
                return Err(JidError::TooLong);
            }
            if r.chars().any(|c| c.is_control()) {
                return Err(JidError::InvalidChar);
            }
        }
        Ok(Jid {
            s: s.to_owned(),
            at,
            slash,
        })
    }

    /// Builds `local@domain/resource` from parts (each checked by [`Jid::parse`]).
    pub fn from_parts(
        local: Option<&str>,
        domain: &str,
        resource: Option<&str>,
    ) -> Result<Jid, JidError> {
        let mut s = String::new();
        if let Some(l) = local {
            s.push_str(l);
            s.push('@');
        }
        s.push_str(domain);
        if let Some(r) = resource {
            s.push('/');
            s.push_str(r);
        }
        Jid::parse(&s)
    }

    /// The whole JID as given.
    pub fn as_str(&self) -> &str {
        &self.s
    }

    /// `local@domain` (or `domain`).
    pub fn bare(&self) -> &str {
        &self.s[..self.slash.unwrap_or(self.s.len())]
    }

    /// This JID without its resource.
    pub fn to_bare(&self) -> Jid {
        Jid {
            s: self.bare().to_owned(),
            at: self.at,
            slash: None,
        }
    }

    /// The local part, if any.
    pub fn local(&self) -> Option<&str> {
        self.at.map(|i| &self.s[..i])
    }

    /// The domain.
    pub fn domain(&self) -> &str {
        let start = self.at.map_or(0, |i| i + 1);
        &self.s[start..self.slash.unwrap_or(self.s.len())]
    }

    /// The resource, if any.
    pub fn resource(&self) -> Option<&str> {
        self.slash.map(|i| &self.s[i + 1..])
    }

    /// Whether both JIDs have the same bare JID (ASCII case-insensitive).
    pub fn bare_eq(&self, other: &Jid) -> bool {
        self.bare().eq_ignore_ascii_case(other.bare())
    }
}

impl fmt::Display for Jid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.s)
    }
}

impl core::str::FromStr for Jid {
    type Err = JidError;
    fn from_str(s: &str) -> Result<Jid, JidError> {
        Jid::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_simple() {
        let j =
            Jid::parse("58b92dcec1bab6.36437731@internal.xmpp.app.cobrowser.com/web/1").unwrap();
        assert_eq!(j.local(), Some("58b92dcec1bab6.36437731"));
        assert_eq!(j.domain(), "internal.xmpp.app.cobrowser.com");
        assert_eq!(j.resource(), Some("web/1"));
        assert_eq!(
            j.bare(),
            "58b92dcec1bab6.36437731@internal.xmpp.app.cobrowser.com"
        );
        let d = Jid::parse("webchat.test").unwrap();
        assert_eq!(
            (d.local(), d.domain(), d.resource()),
            (None, "webchat.test", None)
        );
        let r = Jid::parse("a@b/c@d").unwrap();
        assert_eq!(r.resource(), Some("c@d"));
        assert_eq!(r.local(), Some("a"));
    }

    #[test]
    fn bare_compare_ignores_resource_and_case() {
        let a = Jid::parse("Agent@Internal.webchat.test/console").unwrap();
        let b = Jid::parse("agent@internal.webchat.test").unwrap();
        assert!(a.bare_eq(&b));
        assert!(!a.bare_eq(&Jid::parse("agent2@internal.webchat.test").unwrap()));
        assert_eq!(a.to_bare().as_str(), "Agent@Internal.webchat.test");
    }

    #[test]
    fn test_invalid() {
        assert_eq!(Jid::parse(""), Err(JidError::Empty));
        assert_eq!(Jid::parse("@d"), Err(JidError::EmptyLocal));
        assert_eq!(Jid::parse("u@"), Err(JidError::EmptyDomain));
        assert_eq!(Jid::parse("/r"), Err(JidError::EmptyDomain));
        assert_eq!(Jid::parse("u@d/"), Err(JidError::EmptyResource));
        assert_eq!(Jid::parse("u u@d"), Err(JidError::InvalidChar));
        assert_eq!(Jid::parse("a@b@c"), Err(JidError::InvalidChar));
        assert_eq!(Jid::parse(&"x".repeat(2000)), Err(JidError::TooLong));
    }
}
