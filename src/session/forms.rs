//! serde helpers for what the session keeps in storage: a damaged part of a saved value reads as
//! that part's default, so an odd member costs only itself, never the whole saved chat.
//!
//! Used through `#[serde(deserialize_with = …)]` / `#[serde(with = …)]` on the stored types
//! ([`SavedEntry`](super::saved::SavedEntry), [`SavedChat`](super::continuity::SavedChat)).
//! It does not decide what is stored.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

/// Reads any JSON value, then `T` from it; a value that is not a `T` (or `null`) gives
/// `T::default()`.
pub fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or_default())
}

/// A text member: `None` when missing, empty or not a string.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(lenient::<D, Option<String>>(d)?.filter(|t| !t.is_empty()))
}

/// A required id: an empty string is refused (the entry holding it is then dropped).
pub fn non_empty<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let id = String::deserialize(d)?;
    if id.is_empty() {
        return Err(serde::de::Error::custom("an empty id"));
    }
    Ok(id)
}

/// For `skip_serializing_if`: a `false` flag is left out.
pub fn is_false(flag: &bool) -> bool {
    !flag
}

/// `(key, text)` pairs as a JSON object; members whose value is not a string are skipped.
pub mod pairs {
    use std::collections::BTreeMap;

    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(pairs: &[(String, String)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (k, v) in pairs {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, String)>, D::Error> {
        let map: BTreeMap<String, serde_json::Value> = super::lenient(d)?;
        Ok(map
            .into_iter()
            .filter_map(|(k, v)| Some((k, v.as_str()?.to_owned())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use webchat_protocol::api;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "lenient")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "text")]
        t: Option<String>,
        #[serde(default, deserialize_with = "non_empty")]
        id: String,
        #[serde(default, with = "pairs")]
        names: Vec<(String, String)>,
    }

    #[test]
    fn damaged_members_read_as_defaults() {
        let p: Probe =
            api::from_json(r#"{"n":"noon","t":"","id":"a","names":{"b":"B","c":3}}"#).unwrap();
        assert_eq!(
            p,
            Probe {
                n: None,
                t: None,
                id: "a".into(),
                names: vec![("b".into(), "B".into())],
            }
        );
        let p: Probe = api::from_json(r#"{"n":7,"t":"x","names":[1]}"#).unwrap();
        assert_eq!(
            (p.n, p.t.as_deref(), p.names.len()),
            (Some(7), Some("x"), 0)
        );
        assert!(api::from_json::<Probe>(r#"{"id":""}"#).is_err());
        assert_eq!(
            serde_json::to_string(&Probe {
                n: None,
                t: None,
                id: "i".into(),
                names: vec![("a".into(), "A".into())],
            })
            .unwrap(),
            r#"{"n":null,"t":null,"id":"i","names":{"a":"A"}}"#
        );
    }
}
