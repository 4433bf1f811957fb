//! The parse error shared by every stanza and XEP module.
//!
//! httparse style: `Copy`, no allocation, a `&'static str` message per variant, so a hostile
//! frame costs no formatting code and no heap.

use core::fmt;

/// Why an element could not be read as the stanza or payload asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The element has another name or namespace than the parser reads.
    WrongElement(&'static str),
    /// A required attribute is missing.
    MissingAttribute(&'static str),
    /// An attribute has a value this protocol does not allow.
    BadAttribute(&'static str),
    /// A required child element is missing.
    MissingChild(&'static str),
    /// A child element or text has a value this protocol does not allow.
    BadValue(&'static str),
    /// A JID attribute is not a valid JID.
    BadJid(crate::jid::JidError),
}

impl ParseError {
    /// A short description that names what was wrong.
    pub fn message(&self) -> &'static str {
        match self {
            ParseError::WrongElement(s)
            | ParseError::MissingAttribute(s)
            | ParseError::BadAttribute(s)
            | ParseError::MissingChild(s)
            | ParseError::BadValue(s) => s,
            ParseError::BadJid(e) => e.message(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            ParseError::WrongElement(_) => "wrong element",
            ParseError::MissingAttribute(_) => "missing attribute",
            ParseError::BadAttribute(_) => "bad attribute",
            ParseError::MissingChild(_) => "missing child",
            ParseError::BadValue(_) => "bad value",
            ParseError::BadJid(_) => "bad JID",
        };
        write!(f, "{kind}: {}", self.message())
    }
}

impl std::error::Error for ParseError {}
