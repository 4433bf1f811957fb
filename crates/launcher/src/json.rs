//! JSON for the launcher: `serde_json`'s [`Value`] as the one tree type, read and written by
//! the browser's own `JSON.parse` / `JSON.stringify` in the wasm build and by `serde_json`
//! natively (tests).
//!
//! Measured on the launcher (`docs/size.md`): `serde_json::from_str` costs about 7 KB brotli of
//! the first view and its writer about 5 KB, while walking `JSON.parse`'s result into a
//! [`Value`] costs about 2.6 KB. The chat stage, which every chatting visitor downloads anyway,
//! uses `serde_json` throughout. This module reads and writes trees; what they mean is the
//! callers' business.

pub use serde_json::{Map, Value};

/// Parses JSON text; `None` when it is not JSON.
pub fn parse(text: &str) -> Option<Value> {
    imp::parse(text)
}

/// The compact JSON text of `value`.
pub fn stringify(value: &Value) -> String {
    imp::stringify(value)
}

/// A JS value as a JSON tree: what `JSON.parse` gives, or an object the page passed.
/// Functions, symbols and `undefined` become `null` (as `JSON.stringify` drops or nulls them).
pub fn from_js(v: &wasm_bindgen::JsValue) -> Value {
    use wasm_bindgen::JsCast;
    if let Some(b) = v.as_bool() {
        Value::Bool(b)
    } else if let Some(n) = v.as_f64() {
        number(n).unwrap_or(Value::Null)
    } else if let Some(s) = v.as_string() {
        Value::String(s)
    } else if js_sys::Array::is_array(v) {
        Value::Array(js_sys::Array::from(v).iter().map(|x| from_js(&x)).collect())
    } else if v.is_object() && !v.is_function() {
        let mut map = Map::new();
        for entry in js_sys::Object::entries(v.unchecked_ref()).iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            if let Some(key) = entry.get(0).as_string() {
                map.insert(key, from_js(&entry.get(1)));
            }
        }
        Value::Object(map)
    } else {
        Value::Null
    }
}

/// What a JSON value is, for error messages ("a string", "an object" …).
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A number as JavaScript writes it, for error messages. (`serde_json`'s own writer would bring
/// its float formatting into the launcher.)
pub fn number_text(n: &serde_json::Number) -> String {
    imp::number_text(n)
}

/// A number as JSON holds it: integral values as integers (so `as_i64`/`as_u64` read them, as
/// they would from `serde_json`'s reader), others as floats; `None` for NaN and infinities.
pub fn number(n: f64) -> Option<Value> {
    // Exactly representable integers only: beyond 2^53 an f64 is no longer a whole count.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= EXACT {
        #[allow(clippy::cast_possible_truncation)]
        let i = n as i64;
        Some(Value::from(i))
    } else {
        serde_json::Number::from_f64(n).map(Value::Number)
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::JsValue;

    use super::Value;

    pub fn parse(text: &str) -> Option<Value> {
        js_sys::JSON::parse(text).ok().map(|v| super::from_js(&v))
    }

    pub fn stringify(value: &Value) -> String {
        js_sys::JSON::stringify(&to_js(value))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }

    pub fn number_text(n: &serde_json::Number) -> String {
        match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => crate::text::signed(i),
            (None, Some(f)) => js_sys::Number::from(f)
                .to_string_with_radix(10)
                .map(String::from)
                .unwrap_or_default(),
            (None, None) => String::new(),
        }
    }

    fn to_js(value: &Value) -> JsValue {
        match value {
            Value::Null => JsValue::NULL,
            Value::Bool(b) => JsValue::from_bool(*b),
            Value::Number(n) => JsValue::from_f64(n.as_f64().unwrap_or_default()),
            Value::String(s) => JsValue::from_str(s),
            Value::Array(items) => items.iter().map(to_js).collect::<js_sys::Array>().into(),
            Value::Object(map) => {
                let obj = js_sys::Object::new();
                for (k, v) in map {
                    // Setting a property of a fresh plain object cannot fail.
                    let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), &to_js(v));
                }
                obj.into()
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use super::Value;

    pub fn parse(text: &str) -> Option<Value> {
        serde_json::from_str(text).ok()
    }

    pub fn stringify(value: &Value) -> String {
        value.to_string()
    }

    pub fn number_text(n: &serde_json::Number) -> String {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_the_reader_would() {
        assert_eq!(number(5.0).and_then(|v| v.as_i64()), Some(5));
        assert_eq!(number(-3.0).and_then(|v| v.as_i64()), Some(-3));
        assert_eq!(number(1.5).and_then(|v| v.as_f64()), Some(1.5));
        assert_eq!(number(1.5).and_then(|v| v.as_i64()), None);
        assert_eq!(number(f64::NAN), None);
        assert_eq!(number(f64::INFINITY), None);
        assert_eq!(number(1e300).and_then(|v| v.as_i64()), None);
    }

    #[test]
    fn text_round_trips() {
        let v = parse(r#"{"a":[1,"x",null,true],"b":{"c":2.5}}"#).unwrap();
        assert_eq!(v["a"][0], 1);
        assert_eq!(v["b"]["c"], 2.5);
        assert_eq!(parse(&stringify(&v)), Some(v));
        assert_eq!(parse("{nope"), None);
    }
}
