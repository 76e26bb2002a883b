//! An object source and a key provider over objects held in memory: the double that the
//! chain and orchestration tests run on, with no disk and no network.
//!
//! [`MemorySource`] answers the way S3 answers for the same objects: keys in byte order,
//! strictly after `start_after`, in pages of [`PAGE_SIZE`] (so the `stop` predicate ends the
//! listing where S3 paging would); "folders" for a delimiter listing; `NoSuchKey` as
//! [`FetchErrorKind::NotFound`]; an object over the caller's size limit as
//! [`FetchErrorKind::TooLarge`]; no versions unless given (an unversioned bucket).
//! [`MemoryKeys`] serves public-key records per region, filtered by validity like
//! `ListPublicKeys`. Neither judges anything, reads a clock or touches the disk.

use std::collections::BTreeMap;

use super::{KeyProvider, ObjectSource, ObjectVersion};
use crate::chain::keys::PublicKeyRecord;
use crate::time::UtcTime;
use crate::vocab::{FetchError, FetchErrorKind, FetchedObject, Location};

/// Keys per listing page, as S3's `ListObjectsV2` returns by default.
pub const PAGE_SIZE: usize = 1000;

/// Objects (and, if given, earlier versions) held in memory.
#[derive(Debug, Clone, Default)]
pub struct MemorySource {
    objects: BTreeMap<Location, FetchedObject>,
    /// Versioned listings per bucket, newest first per key; a bucket without an entry is
    /// unversioned.
    versions: BTreeMap<String, Vec<ObjectVersion>>,
    /// The bodies of versions, by location and version id.
    version_objects: BTreeMap<(Location, String), FetchedObject>,
}

impl MemorySource {
    /// A source holding `objects`, unversioned.
    #[must_use]
    pub fn new(objects: BTreeMap<Location, FetchedObject>) -> Self {
        Self {
            objects,
            ..Self::default()
        }
    }

    /// Adds one version of an object to its bucket's versioned listing (after the versions
    /// already added, so give each key's versions newest first). `object` is `None` for a
    /// delete marker. The current objects are not changed.
    pub fn insert_version(
        &mut self,
        location: &Location,
        version: ObjectVersion,
        object: Option<FetchedObject>,
    ) {
        if let Some(object) = object {
            self.version_objects
                .insert((location.clone(), version.version_id.clone()), object);
        }
        self.versions
            .entry(location.bucket.clone())
            .or_default()
            .push(version);
    }

    /// The keys of `bucket` under `prefix`, in key order.
    fn keys<'a>(&'a self, bucket: &'a str, prefix: &'a str) -> impl Iterator<Item = &'a str> {
        let from = Location::new(bucket, prefix);
        self.objects
            .range(from..)
            .map(|(l, _)| l)
            .take_while(move |l| l.bucket == bucket && l.key.starts_with(prefix))
            .map(|l| l.key.as_str())
    }
}

impl FromIterator<(Location, FetchedObject)> for MemorySource {
    fn from_iter<I: IntoIterator<Item = (Location, FetchedObject)>>(iter: I) -> Self {
        Self::new(iter.into_iter().collect())
    }
}

/// `object` unless it is over `max_bytes` (the message S3 sources give).
fn within(object: &FetchedObject, max_bytes: u64) -> Result<FetchedObject, FetchError> {
    let len = u64::try_from(object.body.len()).unwrap_or(u64::MAX);
    if len > max_bytes {
        return Err(FetchError::new(
            FetchErrorKind::TooLarge,
            format!("{len} bytes, limit {max_bytes}"),
        ));
    }
    Ok(object.clone())
}

fn no_such_key() -> FetchError {
    FetchError::new(
        FetchErrorKind::NotFound,
        "NoSuchKey: The specified key does not exist.",
    )
}

impl ObjectSource for MemorySource {
    async fn list(
        &self,
        bucket: &str,
        prefix: &str,
        start_after: &str,
        stop: &(dyn Fn(&str) -> bool + Sync),
    ) -> Result<Vec<String>, FetchError> {
        let mut keys = Vec::new();
        let mut stop_now = false;
        for key in self.keys(bucket, prefix).filter(|k| *k > start_after) {
            stop_now |= stop(key);
            keys.push(key.to_owned());
            // The end of a page: S3 paging stops here once `stop` held on this page.
            if stop_now && keys.len() % PAGE_SIZE == 0 {
                break;
            }
        }
        Ok(keys)
    }

    async fn list_dirs(&self, bucket: &str, prefix: &str) -> Result<Vec<String>, FetchError> {
        let mut dirs: Vec<String> = self
            .keys(bucket, prefix)
            .filter_map(|k| k[prefix.len()..].split_once('/'))
            .map(|(dir, _)| dir.to_owned())
            .collect();
        // Byte order of the names (`a` before `a-b`), as S3 sources return them.
        dirs.sort();
        dirs.dedup();
        Ok(dirs)
    }

    async fn versions(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> Result<Option<Vec<ObjectVersion>>, FetchError> {
        Ok(self.versions.get(bucket).map(|all| {
            let mut listed: Vec<ObjectVersion> = all
                .iter()
                .filter(|v| v.key.starts_with(prefix))
                .cloned()
                .collect();
            // Key order; a stable sort keeps each key's versions newest first.
            listed.sort_by(|a, b| a.key.cmp(&b.key));
            listed
        }))
    }

    async fn get_version(
        &self,
        location: &Location,
        version_id: &str,
        max_bytes: u64,
    ) -> Result<FetchedObject, FetchError> {
        let object = self
            .version_objects
            .get(&(location.clone(), version_id.to_owned()))
            .ok_or_else(|| {
                FetchError::new(
                    FetchErrorKind::NotFound,
                    format!(
                        "NoSuchVersion: no version {version_id} of {}",
                        location.uri()
                    ),
                )
            })?;
        within(object, max_bytes)
    }

    async fn get(&self, location: &Location, max_bytes: u64) -> Result<FetchedObject, FetchError> {
        within(
            self.objects.get(location).ok_or_else(no_such_key)?,
            max_bytes,
        )
    }
}

/// Public-key records held in memory, per region.
#[derive(Debug, Clone, Default)]
pub struct MemoryKeys {
    by_region: BTreeMap<String, Vec<PublicKeyRecord>>,
}

impl MemoryKeys {
    /// Serves `by_region`; a region without an entry has no keys (as `ListPublicKeys`
    /// answers there).
    #[must_use]
    pub fn new(by_region: BTreeMap<String, Vec<PublicKeyRecord>>) -> Self {
        Self { by_region }
    }
}

impl KeyProvider for MemoryKeys {
    async fn public_keys(
        &self,
        region: &str,
        from: UtcTime,
        to: UtcTime,
    ) -> Result<Vec<PublicKeyRecord>, FetchError> {
        Ok(self
            .by_region
            .get(region)
            .into_iter()
            .flatten()
            .filter(|k| {
                k.valid_from.is_none_or(|f| f <= to) && k.valid_to.is_none_or(|t| t >= from)
            })
            .cloned()
            .collect())
    }

    fn describe(&self) -> String {
        "memory".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(body: &str) -> FetchedObject {
        FetchedObject {
            body: body.as_bytes().to_vec(),
            metadata: BTreeMap::new(),
        }
    }

    fn source(keys: &[&str]) -> MemorySource {
        keys.iter()
            .map(|k| (Location::new("b", *k), object(k)))
            .chain([(Location::new("c", "a/1"), object("other bucket"))])
            .collect()
    }

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn listing_is_key_order_after_start_under_prefix_in_one_bucket() {
        let s = source(&["a/3", "a/1", "a/2", "ab", "b/1"]);
        let keys = run(s.list("b", "a/", "a/1", &|_| false)).expect("list");
        assert_eq!(keys, ["a/2", "a/3"]);
        assert_eq!(
            run(s.list("b", "", "", &|_| false)).expect("list"),
            ["a/1", "a/2", "a/3", "ab", "b/1"]
        );
    }

    #[test]
    fn listing_stops_at_the_end_of_the_page_where_stop_first_holds() {
        let names: Vec<String> = (0..2500).map(|n| format!("k/{n:05}")).collect();
        let s = source(&names.iter().map(String::as_str).collect::<Vec<_>>());
        let stop_at = |k: &str| k >= "k/01200";
        let keys = run(s.list("b", "k/", "", &stop_at)).expect("list");
        assert_eq!(keys.len(), 2 * PAGE_SIZE);
        let all = run(s.list("b", "k/", "", &|_| false)).expect("list");
        assert_eq!(all.len(), 2500);
    }

    #[test]
    fn dirs_are_the_names_directly_below_the_prefix() {
        let s = source(&[
            "p/us-east-1/x",
            "p/us-east-1/y",
            "p/us-east-1-x/z",
            "p/file",
            "q/a/b",
        ]);
        assert_eq!(
            run(s.list_dirs("b", "p/")).expect("dirs"),
            ["us-east-1", "us-east-1-x"]
        );
    }

    #[test]
    fn missing_key_is_not_found_and_large_object_is_too_large() {
        let s = source(&["a"]);
        let missing = run(s.get(&Location::new("b", "z"), 10)).expect_err("missing");
        assert_eq!(missing.kind, FetchErrorKind::NotFound);
        let big = run(s.get(&Location::new("b", "a"), 0)).expect_err("too large");
        assert_eq!(big.kind, FetchErrorKind::TooLarge);
        assert_eq!(
            run(s.get(&Location::new("b", "a"), 1)).expect("get"),
            object("a")
        );
    }

    #[test]
    fn versions_only_when_given() {
        let mut s = source(&["a"]);
        assert_eq!(run(s.versions("b", "")).expect("versions"), None);
        let loc = Location::new("b", "a");
        let v = |id: &str, latest: bool| ObjectVersion {
            key: "a".to_owned(),
            version_id: id.to_owned(),
            is_latest: latest,
            delete_marker: false,
        };
        s.insert_version(&loc, v("2", true), Some(object("new")));
        s.insert_version(&loc, v("1", false), Some(object("old")));
        let listed = run(s.versions("b", ""))
            .expect("versions")
            .expect("versioned");
        assert_eq!(listed, [v("2", true), v("1", false)]);
        assert_eq!(
            run(s.get_version(&loc, "1", 10)).expect("old"),
            object("old")
        );
        let gone = run(s.get_version(&loc, "3", 10)).expect_err("unknown version");
        assert_eq!(gone.kind, FetchErrorKind::NotFound);
    }

    #[test]
    fn keys_are_filtered_by_validity_per_region() {
        let t = |s: &str| crate::time::parse_user_time(s).expect("time");
        let rec = |fp: &str, from: &str, to: &str| PublicKeyRecord {
            fingerprint: fp.to_owned(),
            der: Vec::new(),
            valid_from: Some(t(from)),
            valid_to: Some(t(to)),
        };
        let keys = MemoryKeys::new(BTreeMap::from([(
            "us-east-1".to_owned(),
            vec![
                rec("old", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
                rec("now", "2026-02-01T00:00:00Z", "2026-04-01T00:00:00Z"),
            ],
        )]));
        let got = run(keys.public_keys(
            "us-east-1",
            t("2026-03-01T00:00:00Z"),
            t("2026-03-02T00:00:00Z"),
        ))
        .expect("keys");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].fingerprint, "now");
        let none = run(keys.public_keys(
            "eu-west-1",
            t("2026-03-01T00:00:00Z"),
            t("2026-03-02T00:00:00Z"),
        ))
        .expect("keys");
        assert!(none.is_empty());
    }
}
