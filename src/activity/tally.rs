//! Counting helpers shared by the aggregator and the sections: bounded sets and maps of
//! counts that give the same result whatever order the records (or the shards of a parallel
//! run) arrive in.
//!
//! Mechanics only: no knowledge of records, rules or the summary document, so that every
//! other file of [`super`] can import it without an import circle.

use std::collections::{BTreeMap, BTreeSet};

/// The value of `key`, inserted with its default first when missing. Allocates the key only
/// on insertion, so the common case (a key seen before) allocates nothing. Always `Some`
/// (the borrow checker cannot yet express "look up, else insert" without a second lookup).
pub(crate) fn slot<'m, V: Default>(
    map: &'m mut BTreeMap<String, V>,
    key: &str,
) -> Option<&'m mut V> {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key)
}

/// Adds one to `key`'s count, allocating the key only when it is new.
pub(crate) fn count(map: &mut BTreeMap<String, u64>, key: &str) {
    if let Some(n) = map.get_mut(key) {
        *n += 1;
    } else {
        map.insert(key.to_owned(), 1);
    }
}

/// Adds the counts of `from` to `into`.
pub(crate) fn add_maps<K: Ord>(into: &mut BTreeMap<K, u64>, from: BTreeMap<K, u64>) {
    for (k, n) in from {
        *into.entry(k).or_insert(0) += n;
    }
}

/// Drops the largest values beyond `max`.
pub(crate) fn trim(set: &mut BTreeSet<String>, max: usize) {
    while set.len() > max {
        set.pop_last();
    }
}

/// Adds `from` to `into`, keeping the `max` smallest values.
pub(crate) fn union(into: &mut BTreeSet<String>, from: BTreeSet<String>, max: usize) {
    into.extend(from);
    trim(into, max);
}

/// Inserts `v` while keeping the `max` smallest values (allocating only when it is kept):
/// the same set whatever order the values arrive in.
pub(crate) fn insert_capped(set: &mut BTreeSet<String>, v: &str, max: usize) {
    if !set.contains(v) && (set.len() < max || set.last().is_some_and(|l| v < l.as_str())) {
        set.insert(v.to_owned());
        trim(set, max);
    }
}
