//! The default scenario trail: named after its scenario (bucket `tp-<name>`), in moto's
//! default account or laid out as an organization trail seen from a member account.

use trailproof::fixture::{TrailSpec, World};

use super::trail::{ACCOUNT, keys, t};

/// A member account for organization trails.
pub const MEMBER: &str = "111122223333";

/// The bucket of a scenario: `tp-` and its name with `-` for `_`.
pub fn bucket_name(name: &str) -> String {
    format!("tp-{}", name.replace('_', "-"))
}

/// The default scenario trail: 6 hourly digests in us-east-1, two logs an hour, digests
/// ending at `hh:17:42` from 01:17:42; laid out for a member account of `org` if given.
pub fn trail_spec(name: &str, org: Option<&str>) -> TrailSpec {
    let mut spec = TrailSpec::small(
        &bucket_name(name),
        &name.replace('_', "-"),
        t("2026-03-01T00:17:42Z"),
        6,
    );
    ACCOUNT.clone_into(&mut spec.account_id);
    if let Some(o) = org {
        as_member_of(&mut spec, o);
    }
    spec
}

/// Lays a trail out as the organization trail of `org`, seen from a member account.
pub fn as_member_of(spec: &mut TrailSpec, org: &str) {
    spec.organization_id = Some(org.to_owned());
    MEMBER.clone_into(&mut spec.account_id);
    spec.owner_account_id = Some(ACCOUNT.to_owned());
}

/// The default scenario trail and its world, for one-off cases.
#[allow(
    dead_code,
    reason = "scenarios generate their own (tests/bundle.rs, tests/chain.rs)"
)]
pub fn base(name: &str, org: Option<&str>) -> (TrailSpec, World) {
    let spec = trail_spec(name, org);
    let world = World::build(&spec, keys()).expect("world");
    (spec, world)
}
