//! What every generated trail is made of: the committed throwaway keys, the accounts, and
//! times written as text.

use std::path::PathBuf;
use std::sync::OnceLock;

use trailproof::fixture::{TestKey, committed_keys};
use trailproof::time::{UtcTime, parse_user_time};

/// moto's default account, so trail ARNs match the ones moto creates.
#[allow(dead_code, reason = "tests/org.rs lays out accounts of its own")]
pub const ACCOUNT: &str = "123456789012";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed throwaway keys (`testdata/keys`), read once.
pub fn keys() -> &'static [TestKey] {
    static KEYS: OnceLock<Vec<TestKey>> = OnceLock::new();
    KEYS.get_or_init(|| committed_keys(&repo().join("testdata/keys")).expect("committed keys"))
}

/// A time as the command line takes it.
pub fn t(s: &str) -> UtcTime {
    parse_user_time(s).expect("time")
}
