//! A small JSON reader and writer (RFC 8259) for the Public API bodies and the widget's stored
//! state: a [`Value`] tree, [`from_str`], a writer that escapes properly ([`Value`]'s
//! `Display`), the [`FromJson`]/[`ToJson`] traits the API types implement, and [`json!`] for
//! literal objects (exported at the crate root: `use webchat_protocol::json;` brings both the
//! module and the macro).
//!
//! Why not serde_json: the widget ships as wasm under a size budget, and serde's generic
//! machinery plus serde_json cost far more bytes than this. Numbers are kept as their text, so
//! no float parsing or printing is pulled in; integers are read on demand.
//! What it does not: comments, trailing commas, NaN, or streaming. Parsing never panics and
//! stops at a nesting depth of [`MAX_DEPTH`] so hostile input cannot exhaust the stack.
//! Errors are `&'static str` (what was wrong), with [`Error::Eof`] telling truncated input
//! apart from text that is not JSON at all.

use core::fmt::{self, Write as _};

/// A JSON value. Objects keep their members in order; lookup takes the last duplicate.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    /// A number as written (already checked against the JSON grammar).
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Map),
}

/// The members of an object, in order.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Map(Vec<(String, Value)>);

impl FromIterator<(String, Value)> for Map {
    /// Members in order; a later duplicate key replaces the earlier one.
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let mut map = Map::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

impl Map {
    /// An empty object.
    pub fn new() -> Map {
        Map(Vec::new())
    }

    /// Sets `key` (replacing an earlier member of that name).
    pub fn insert(&mut self, key: String, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key, value)),
        }
    }

    /// The member `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the object has no members.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

static NULL: Value = Value::Null;

impl Value {
    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// An integer written without fraction or exponent that fits `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(t) => t.parse().ok(),
            _ => None,
        }
    }

    /// An integer written without fraction or exponent that fits `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(t) => t.parse().ok(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// What kind of value this is, for error messages ("a string", "an object" …).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// `value["key"]`: the member, or `null` when missing or not an object (as serde_json does).
impl core::ops::Index<&str> for Value {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::String(s.clone())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Number(n.to_string())
            }
        }
    )*};
}
from_int!(i32, i64, u32, u64, usize);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::Null, Into::into)
    }
}

impl<T: Clone + Into<Value>> From<&Option<T>> for Value {
    fn from(o: &Option<T>) -> Value {
        o.clone().map_or(Value::Null, Into::into)
    }
}

impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::Array(v.into_iter().map(Into::into).collect())
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<i64> for Value {
    fn eq(&self, other: &i64) -> bool {
        self.as_i64() == Some(*other)
    }
}

impl PartialEq<i32> for Value {
    fn eq(&self, other: &i32) -> bool {
        self.as_i64() == Some(i64::from(*other))
    }
}

/// Builds a [`Value`]: `json!({"a": expr, "b": {"c": [1, 2]}, "d": null})` or `json!(expr)`.
/// Values are any [`ToJson`] expression, taken by reference (like serde_json's `json!`).
#[macro_export]
macro_rules! json {
    (null) => { $crate::json::Value::Null };
    ([ $($e:tt),* $(,)? ]) => { $crate::json::Value::Array(vec![$($crate::json!($e)),*]) };
    ({ $($body:tt)* }) => {{
        #[allow(unused_mut)]
        let mut m = $crate::json::Map::new();
        $crate::json_members!(m; $($body)*);
        $crate::json::Value::Object(m)
    }};
    ($e:expr) => { $crate::json::ToJson::to_json(&$e) };
}

/// The members of a [`json!`] object (an implementation detail of that macro).
#[doc(hidden)]
#[macro_export]
macro_rules! json_members {
    ($m:ident;) => {};
    ($m:ident; $k:literal : null $(, $($rest:tt)*)?) => {
        $m.insert($k.into(), $crate::json::Value::Null);
        $crate::json_members!($m; $($($rest)*)?);
    };
    ($m:ident; $k:literal : { $($v:tt)* } $(, $($rest:tt)*)?) => {
        $m.insert($k.into(), $crate::json!({ $($v)* }));
        $crate::json_members!($m; $($($rest)*)?);
    };
    ($m:ident; $k:literal : [ $($v:tt)* ] $(, $($rest:tt)*)?) => {
        $m.insert($k.into(), $crate::json!([ $($v)* ]));
        $crate::json_members!($m; $($($rest)*)?);
    };
    ($m:ident; $k:literal : $v:expr $(, $($rest:tt)*)?) => {
        $m.insert($k.into(), $crate::json::ToJson::to_json(&$v));
        $crate::json_members!($m; $($($rest)*)?);
    };
}

/// Why text is not the JSON a caller expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The text ends before the value does (empty input included).
    Eof,
    /// The text is not JSON; says what was wrong.
    Syntax(&'static str),
    /// Valid JSON of the wrong shape for the type asked for; says which part.
    Shape(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Eof => f.write_str("truncated JSON"),
            Error::Syntax(w) => write!(f, "not JSON: {w}"),
            Error::Shape(w) => write!(f, "unexpected JSON: {w}"),
        }
    }
}

impl std::error::Error for Error {}

/// Nesting limit for arrays and objects.
pub const MAX_DEPTH: usize = 64;

/// Parses one JSON document (surrounding whitespace allowed) into a [`Value`].
pub fn parse(text: &str) -> Result<Value, Error> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    let v = p.value(0)?;
    p.ws();
    if p.i < p.s.len() {
        return Err(Error::Syntax("trailing characters"));
    }
    Ok(v)
}

/// Parses `text` as a `T`.
pub fn from_str<T: FromJson>(text: &str) -> Result<T, Error> {
    T::from_json(&parse(text)?)
}

/// `value` as JSON text.
pub fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    value.to_json().to_string()
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn next(&mut self) -> Result<u8, Error> {
        let b = *self.s.get(self.i).ok_or(Error::Eof)?;
        self.i += 1;
        Ok(b)
    }

    fn keyword(&mut self, word: &[u8], v: Value) -> Result<Value, Error> {
        for &w in word {
            if self.next()? != w {
                return Err(Error::Syntax("unknown keyword"));
            }
        }
        Ok(v)
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        if depth > MAX_DEPTH {
            return Err(Error::Syntax("nested too deeply"));
        }
        self.ws();
        match *self.s.get(self.i).ok_or(Error::Eof)? {
            b'n' => self.keyword(b"null", Value::Null),
            b't' => self.keyword(b"true", Value::Bool(true)),
            b'f' => self.keyword(b"false", Value::Bool(false)),
            b'"' => {
                self.i += 1;
                self.string().map(Value::String)
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b']' => return Ok(Value::Array(items)),
                        _ => return Err(Error::Syntax("expected `,` or `]`")),
                    }
                }
            }
            b'{' => {
                self.i += 1;
                let mut m = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Value::Object(Map(m)));
                }
                loop {
                    self.ws();
                    if self.next()? != b'"' {
                        return Err(Error::Syntax("expected a member name"));
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.next()? != b':' {
                        return Err(Error::Syntax("expected `:`"));
                    }
                    m.push((k, self.value(depth + 1)?));
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b'}' => return Ok(Value::Object(Map(m))),
                        _ => return Err(Error::Syntax("expected `,` or `}`")),
                    }
                }
            }
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Error::Syntax("unexpected character")),
        }
    }

    fn digits(&mut self) -> Result<usize, Error> {
        let start = self.i;
        while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        match self.i - start {
            0 if self.i == self.s.len() => Err(Error::Eof),
            0 => Err(Error::Syntax("expected a digit")),
            n => Ok(n),
        }
    }

    fn number(&mut self) -> Result<Value, Error> {
        let start = self.i;
        if self.s[self.i] == b'-' {
            self.i += 1;
        }
        let int_start = self.i;
        if self.digits()? > 1 && self.s[int_start] == b'0' {
            return Err(Error::Syntax("leading zero"));
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            self.digits()?;
        }
        // Only ASCII was consumed, so this slice is on character boundaries.
        let text = core::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
        Ok(Value::Number(text.to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let mut n = 0;
        for _ in 0..4 {
            let d = char::from(self.next()?)
                .to_digit(16)
                .ok_or(Error::Syntax("bad \\u escape"))?;
            n = n * 16 + d;
        }
        Ok(n)
    }

    /// After the opening quote.
    fn string(&mut self) -> Result<String, Error> {
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => break,
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi) {
                                if self.next()? != b'\\' || self.next()? != b'u' {
                                    return Err(Error::Syntax("lone surrogate"));
                                }
                                let lo = self.hex4()?;
                                if !(0xdc00..0xe000).contains(&lo) {
                                    return Err(Error::Syntax("lone surrogate"));
                                }
                                0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                            } else {
                                hi
                            };
                            char::from_u32(code).ok_or(Error::Syntax("lone surrogate"))?
                        }
                        _ => return Err(Error::Syntax("bad escape")),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(Error::Syntax("control character in string")),
                b => out.push(b),
            }
        }
        // The input was a `&str` and escapes add whole characters: this is valid UTF-8.
        String::from_utf8(out).map_err(|_| Error::Syntax("invalid UTF-8"))
    }
}

/// Writes `s` as a JSON string literal.
fn write_str(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('"')?;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let esc = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            // Other control characters, and the two separators JavaScript once disallowed.
            '\0'..='\u{1f}' | '\u{2028}' | '\u{2029}' => "",
            _ => continue,
        };
        f.write_str(&s[start..i])?;
        if esc.is_empty() {
            write!(f, "\\u{:04x}", c as u32)?;
        } else {
            f.write_str(esc)?;
        }
        start = i + c.len_utf8();
    }
    f.write_str(&s[start..])?;
    f.write_char('"')
}

/// Compact JSON text (no spaces).
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Value::Number(n) => f.write_str(n),
            Value::String(s) => write_str(f, s),
            Value::Array(items) => {
                f.write_char('[')?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    fmt::Display::fmt(v, f)?;
                }
                f.write_char(']')
            }
            Value::Object(m) => {
                f.write_char('{')?;
                for (i, (k, v)) in m.0.iter().enumerate() {
                    if i > 0 {
                        f.write_char(',')?;
                    }
                    write_str(f, k)?;
                    f.write_char(':')?;
                    fmt::Display::fmt(v, f)?;
                }
                f.write_char('}')
            }
        }
    }
}

/// A type read from a [`Value`]. Errors are [`Error::Shape`].
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Result<Self, Error>;
}

/// A type written as a [`Value`].
pub trait ToJson {
    fn to_json(&self) -> Value;
}

impl FromJson for Value {
    fn from_json(v: &Value) -> Result<Self, Error> {
        Ok(v.clone())
    }
}

impl ToJson for Value {
    fn to_json(&self) -> Value {
        self.clone()
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<Self, Error> {
        v.as_str()
            .map(str::to_owned)
            .ok_or(Error::Shape("expected a string"))
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<Self, Error> {
        v.as_bool().ok_or(Error::Shape("expected a boolean"))
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value) -> Result<Self, Error> {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(Error::Shape("expected a small whole number"))
    }
}

impl FromJson for u64 {
    fn from_json(v: &Value) -> Result<Self, Error> {
        v.as_u64().ok_or(Error::Shape("expected a whole number"))
    }
}

/// `null` (or a missing member, see [`Obj::opt`]) is `None`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Result<Self, Error> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Result<Self, Error> {
        v.as_array()
            .ok_or(Error::Shape("expected an array"))?
            .iter()
            .map(T::from_json)
            .collect()
    }
}

impl ToJson for str {
    fn to_json(&self) -> Value {
        self.into()
    }
}

impl ToJson for String {
    fn to_json(&self) -> Value {
        self.into()
    }
}

impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}

macro_rules! to_json_int {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                Value::Number(self.to_string())
            }
        }
    )*};
}
to_json_int!(i32, i64, u32, u64, usize);

impl<T: ToJson + ?Sized> ToJson for &T {
    fn to_json(&self) -> Value {
        (**self).to_json()
    }
}

/// `None` is `null`.
impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}

impl ToJson for Map {
    fn to_json(&self) -> Value {
        Value::Object(self.clone())
    }
}

impl<T: ToJson> ToJson for [T] {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        self.as_slice().to_json()
    }
}

/// Reads the members of an object for a [`FromJson`] impl: unknown members are ignored, and
/// the accessors say how a missing or `null` member is treated.
pub struct Obj<'a>(&'a Map);

impl<'a> Obj<'a> {
    /// `v` as an object, or a shape error.
    pub fn new(v: &'a Value) -> Result<Obj<'a>, Error> {
        v.as_object()
            .map(Obj)
            .ok_or(Error::Shape("expected an object"))
    }

    /// The member `key` (also tries `alias`, e.g. a camelCase spelling), if present.
    pub fn member(&self, key: &str, alias: &str) -> Option<&'a Value> {
        self.0
            .get(key)
            .or_else(|| self.0.get(alias).filter(|_| !alias.is_empty()))
    }

    /// A required member; `null` is not accepted unless `T` allows it.
    pub fn req<T: FromJson>(&self, key: &str) -> Result<T, Error> {
        T::from_json(
            self.0
                .get(key)
                .ok_or(Error::Shape("a required member is missing"))?,
        )
    }

    /// An optional member: missing or `null` gives `None`.
    pub fn opt<T: FromJson>(&self, key: &str) -> Result<Option<T>, Error> {
        self.0.get(key).map_or(Ok(None), Option::<T>::from_json)
    }

    /// A member whose absence or `null` means the type's default.
    pub fn or_default<T: FromJson + Default>(&self, key: &str) -> Result<T, Error> {
        Ok(self.opt(key)?.unwrap_or_default())
    }
}

/// Builds an object for a [`ToJson`] impl, leaving out `None` members where asked.
#[derive(Default)]
pub struct ObjBuilder(Map);

impl ObjBuilder {
    pub fn new() -> ObjBuilder {
        ObjBuilder(Map::new())
    }

    /// Adds `key` (always, `null` for a `None`).
    pub fn with(mut self, key: &str, v: impl Into<Value>) -> ObjBuilder {
        self.0 .0.push((key.to_owned(), v.into()));
        self
    }

    /// Adds `key` unless `v` is `None`.
    pub fn with_some<T: ToJson>(mut self, key: &str, v: &Option<T>) -> ObjBuilder {
        if let Some(v) = v {
            self.0 .0.push((key.to_owned(), v.to_json()));
        }
        self
    }

    /// Adds `key` as `v`'s JSON form.
    pub fn with_json<T: ToJson + ?Sized>(mut self, key: &str, v: &T) -> ObjBuilder {
        self.0 .0.push((key.to_owned(), v.to_json()));
        self
    }

    pub fn build(self) -> Value {
        Value::Object(self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syntax(text: &str) -> Error {
        parse(text).unwrap_err()
    }

    #[test]
    fn test_simple_values() {
        assert_eq!(parse(" null ").unwrap(), Value::Null);
        assert_eq!(parse("true").unwrap(), Value::Bool(true));
        assert_eq!(parse("-12.5e+3").unwrap(), Value::Number("-12.5e+3".into()));
        assert_eq!(parse("0").unwrap().as_u64(), Some(0));
        assert_eq!(
            parse(r#""a\"b\\c\/\n\u00e9\ud83d\ude00""#).unwrap(),
            Value::String("a\"b\\c/\né😀".into())
        );
        let v = parse(r#"{"a":[1,{"b":null}],"a":2,"c":"∞"}"#).unwrap();
        assert_eq!(v["a"], 2);
        assert_eq!(v["c"], "∞");
        assert!(v["missing"]["deeper"].is_null());
        assert_eq!(parse("[]").unwrap(), Value::Array(vec![]));
        assert_eq!(parse("{ }").unwrap(), Value::Object(Map::new()));
        let kinds: Vec<_> = ["null", "true", "1", "\"s\"", "[]", "{}"]
            .iter()
            .map(|t| parse(t).unwrap().kind())
            .collect();
        assert_eq!(
            kinds,
            [
                "null",
                "a boolean",
                "a number",
                "a string",
                "an array",
                "an object"
            ]
        );
    }

    #[test]
    fn test_integers() {
        assert_eq!(
            parse("18446744073709551615").unwrap().as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(parse("18446744073709551616").unwrap().as_u64(), None);
        assert_eq!(parse("-5").unwrap().as_i64(), Some(-5));
        assert_eq!(parse("-5").unwrap().as_u64(), None);
        assert_eq!(parse("1.0").unwrap().as_i64(), None);
        assert_eq!(parse("1e2").unwrap().as_u64(), None);
    }

    #[test]
    fn test_invalid_is_not_json() {
        for bad in [
            "nul",
            "truex",
            "[1,]",
            "{,}",
            "{\"a\" 1}",
            "{\"a\":1,}",
            "01",
            "-",
            "1.",
            "1e",
            ".5",
            "+1",
            "'a'",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\u{1}\"",
            "[1] 2",
            "<html>",
            "{1:2}",
            "\"\\u12g4\"",
            "NaN",
        ] {
            match parse(bad) {
                Err(Error::Syntax(_)) => {}
                // A few are prefixes of valid JSON: those report truncation.
                Err(Error::Eof) if ["nul", "-", "1.", "1e"].contains(&bad) => {}
                other => panic!("{bad:?} gave {other:?}"),
            }
        }
    }

    #[test]
    fn test_truncated_is_eof() {
        for cut in [
            "", "  ", "{", "[1,", "{\"a\"", "{\"a\":", "\"abc", "\"\\u12", "tr",
        ] {
            assert_eq!(syntax(cut), Error::Eof, "{cut:?}");
        }
    }

    #[test]
    fn test_depth_limit() {
        let deep = "[".repeat(MAX_DEPTH + 2) + &"]".repeat(MAX_DEPTH + 2);
        assert_eq!(syntax(&deep), Error::Syntax("nested too deeply"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(&ok).is_ok());
        // Hostile depth never overflows the stack.
        assert!(parse(&"{\"a\":".repeat(100_000)).is_err());
    }

    #[test]
    fn test_bytes_never_panic() {
        // Every prefix of a document with all kinds of tokens, and a few byte flips.
        let doc = r#"{"a":[1,-2.5e3,true,false,null,"x\u00e9\n"],"b":{"c":"∞"}}"#;
        for end in 0..=doc.len() {
            if doc.is_char_boundary(end) {
                let _ = parse(&doc[..end]);
            }
        }
        for i in 0..doc.len() {
            let mut b = doc.as_bytes().to_vec();
            b[i] ^= 0x20;
            if let Ok(s) = core::str::from_utf8(&b) {
                let _ = parse(s);
            }
        }
    }

    #[test]
    fn test_writer_escapes() {
        let v = json!({"t": "a\"b\\c\n\r\t\u{1}\u{2028}é😀", "n": null, "k": [1, "x"], "o": {"b": true}});
        let text = v.to_string();
        assert_eq!(
            text,
            r#"{"t":"a\"b\\c\n\r\t\u0001\u2028é😀","n":null,"k":[1,"x"],"o":{"b":true}}"#
        );
        assert_eq!(parse(&text).unwrap(), v);
        assert_eq!(json!("x").to_string(), "\"x\"");
        assert_eq!(json!(Some(3u32)).to_string(), "3");
        assert_eq!(json!(None::<String>).to_string(), "null");
    }

    #[test]
    fn test_map_insert_replaces() {
        let mut m = Map::new();
        m.insert("a".into(), 1.into());
        m.insert("b".into(), 2.into());
        m.insert("a".into(), 3.into());
        assert_eq!(Value::Object(m).to_string(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn test_typed_reads() {
        assert_eq!(from_str::<Vec<u32>>("[1, 2]").unwrap(), vec![1, 2]);
        assert_eq!(from_str::<Option<String>>("null").unwrap(), None);
        assert_eq!(
            from_str::<u32>("4294967296"),
            Err(Error::Shape("expected a small whole number"))
        );
        assert_eq!(
            from_str::<String>("1"),
            Err(Error::Shape("expected a string"))
        );
        assert_eq!(from_str::<bool>("tru"), Err(Error::Eof));
    }
}
