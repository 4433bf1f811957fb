//! [`SmallMap`]: a map kept as a vector of pairs, for the session's few-entry tables (requests
//! in flight, messages being sent, stored keys, agents' names).
//!
//! Each `HashMap<K, V>` type compiles its own hash table (insert, grow, rehash, probe, drop)
//! and hashes its keys with SipHash; for tables of a handful of entries a linear scan is as fast
//! and each instance is a fraction of the wasm (`docs/size.md`). Iteration follows insertion
//! order, so it is also deterministic. It is not meant for tables that grow with the
//! conversation (message ids of a long history stay in a hash set).

use std::borrow::Borrow;

/// A map of few entries: a vector of `(key, value)` pairs, looked up by scanning.
#[derive(Debug, Clone)]
pub struct SmallMap<K, V>(Vec<(K, V)>);

/// Equal when they hold the same entries, in whatever order (as `HashMap`s compare).
impl<K: Eq, V: PartialEq> PartialEq for SmallMap<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl<K: Eq, V: Eq> Eq for SmallMap<K, V> {}

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap(Vec::new())
    }
}

impl<K: Eq, V> SmallMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        SmallMap(Vec::new())
    }

    fn position<Q>(&self, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.0.iter().position(|(k, _)| k.borrow() == key)
    }

    /// Sets `key` to `value`; the value it replaces, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            None => {
                self.0.push((key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).map(|i| &self.0[i].1)
    }

    /// The value of `key`, to change.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).map(|i| &mut self.0[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).is_some()
    }

    /// Takes `key`'s value out.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.position(key).map(|i| self.0.remove(i).1)
    }

    /// Keeps only the entries `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.0.clear();
    }

    /// Takes every entry out, in insertion order.
    pub fn drain(&mut self) -> impl Iterator<Item = (K, V)> + '_ {
        self.0.drain(..)
    }

    /// The entries, in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    /// The keys, in insertion order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    /// The values, in insertion order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    /// The values, in insertion order, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Eq, V> FromIterator<(K, V)> for SmallMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = SmallMap::new();
        map.extend(iter);
        map
    }
}

impl<K: Eq, V> Extend<(K, V)> for SmallMap<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K, V> IntoIterator for SmallMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_replaces_and_keeps_order() {
        let mut m = SmallMap::new();
        assert_eq!(m.insert("b".to_string(), 1), None);
        assert_eq!(m.insert("a".to_string(), 2), None);
        assert_eq!(m.insert("b".to_string(), 3), Some(1));
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("b"), Some(&3));
        assert_eq!(m.keys().cloned().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn equality_ignores_order() {
        let a: SmallMap<&str, u8> = [("x", 1), ("y", 2)].into_iter().collect();
        let b: SmallMap<&str, u8> = [("y", 2), ("x", 1)].into_iter().collect();
        let c: SmallMap<&str, u8> = [("y", 2), ("x", 3)].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, SmallMap::new());
    }

    #[test]
    fn remove_retain_and_drain() {
        let mut m: SmallMap<u32, &str> =
            [(1, "one"), (2, "two"), (3, "three")].into_iter().collect();
        assert_eq!(m.remove(&2), Some("two"));
        assert_eq!(m.remove(&2), None);
        assert!(!m.contains_key(&2));
        m.retain(|k, _| *k != 1);
        assert_eq!(m.iter().collect::<Vec<_>>(), [(&3, &"three")]);
        if let Some(v) = m.get_mut(&3) {
            *v = "drei";
        }
        assert_eq!(m.drain().collect::<Vec<_>>(), [(3, "drei")]);
        assert!(m.is_empty());
    }
}
