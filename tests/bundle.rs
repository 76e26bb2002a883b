//! Every scenario, offline: the bundle (local mirror + saved keys) through the binary.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // test code

mod support;

use support::{COMPARABLE, DELIBERATE, check_expectations, run_bundle, scenario};

fn run(name: &str) {
    let c = scenario(name, support::OFFLINE_ORG);
    let dir = tempfile::tempdir().expect("tempdir");
    let reference_only = run_bundle(&c, dir.path(), &["--reference-only"]);
    check_expectations(&c, &reference_only);
    let default = run_bundle(&c, dir.path(), &[]);
    support::extras(&c, &default, &reference_only);
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run(stringify!($name));
            }
        )*

        #[test]
        fn scenario_lists_cover_every_test() {
            let mut tested = vec![$(stringify!($name)),*];
            let mut listed: Vec<&str> = COMPARABLE.iter().chain(DELIBERATE).chain(support::DETECTION).copied().collect();
            tested.sort_unstable();
            listed.sort_unstable();
            assert_eq!(tested, listed);
        }
    };
}

scenarios!(
    valid_day,
    log_modified,
    log_deleted,
    log_emptied,
    log_appended_member,
    log_not_gzip,
    digest_modified,
    digest_deleted,
    digest_unsigned,
    digest_not_json,
    two_digests_deleted,
    digest_moved,
    unknown_key,
    gap,
    key_rotation,
    prefix,
    organization,
    empty_hours,
    all_hours_empty,
    window_inside_chain,
    backfill,
    no_digests_found,
    no_valid_digests,
    bucket_change,
    other_region,
    spki_key,
    small_key,
    uppercase_hash,
    forged_log,
    two_trails_sharing_bucket,
    fork_previous_signature,
    wrong_previous_hash,
    discontinuity,
    account_mismatch,
    deleted_run_of_three,
    deleted_tail,
    stopped_trail_is_not_a_deleted_tail,
    digest_trailing_bytes,
    unlinked_digest,
    log_outside_path,
    log_in_gap,
    pending_log,
    digest_json_list,
    digest_json_string,
    digest_json_number,
    digest_json_null,
    digest_json_empty_object,
    fingerprint_number,
    fingerprint_null,
    fingerprint_list,
    signature_odd_length,
    signature_non_hex,
    signature_uppercase_hex,
    signature_leading_zero_byte,
    signature_exceeds_modulus,
    signature_empty,
    signature_algorithm_missing,
    signature_algorithm_bogus,
    digest_signed_sha512,
    backfill_no_generation_timestamp,
    backfill_bad_generation_timestamp,
    backfill_bad_generation_timestamp_after_cached_key,
    backfill_key_from_standard_window_only,
    backfill_key_cached_across_backfills,
    backfill_no_keys_at_generation,
    key_outside_window,
    key_valid_only_after_end_within_2h,
    key_valid_just_after_fetch_window,
    key_garbage_der,
    junk_keys_in_digest_folder,
    junk_digest_name_stops_listing,
    other_trail_shared_prefix,
    other_trail_name_extends_ours,
    other_region_digest_in_folder,
    digest_in_wrong_date_folder,
    window_starts_at_digest_end,
    window_starts_inside_digest,
    window_after_newest,
    window_end_before_newest,
    window_end_inside_last_hour,
    start_equals_end,
    start_equals_end_at_digest_end,
    window_start_fractional,
    start_time_date_only,
    start_time_space_separated,
    start_time_plus_zero_offset,
    quiet_valid_day,
    quiet_log_modified,
    quiet_digest_deleted,
    quiet_gap,
    quiet_several_invalid,
    two_logs_modified,
    log_referenced_twice,
    log_hash_missing,
    log_hash_number,
    log_hash_null,
    log_bucket_number,
    log_object_null,
    logfiles_null,
    logfiles_empty_object,
    logfiles_false,
    logfiles_empty_string,
    three_digests_deleted,
    newest_digest_deleted,
    oldest_digest_deleted,
    gap_at_window_start_excluded,
    gap_at_window_start_included,
    two_gaps,
    previous_link_to_unlisted_key,
    previous_key_empty_string,
    previous_bucket_null_only,
    previous_link_other_bucket_missing_key,
    digest_trailing_member,
    digest_trailing_garbage,
    digest_gzip_trailer_cut,
    digest_non_utf8,
    digest_json_bom,
    digest_json_nan,
    digest_json_lone_surrogate,
    digest_json_deep_nesting,
    digest_json_huge_number,
    digest_json_duplicate_keys,
    digest_end_time_number,
    digest_end_time_garbage,
    digest_start_time_garbage,
    digest_start_time_null,
    previous_signature_missing,
    digest_start_time_offset,
    digest_start_time_offset_stops_walk,
    log_gzip_name_comment,
    log_empty_object_hash_of_empty,
    log_gzip_of_empty,
    log_gzip_trailer_cut,
    log_gzip_bad_crc,
    log_trailing_zero_bytes,
    many_hours_130,
    digest_bucket_number,
    previous_bucket_number,
    previous_bucket_empty_string,
    fingerprint_bool,
    fingerprint_uppercase,
    digest_json_big_integer,
    digest_json_nesting_beyond_python_limit,
    quiet_backfill,
);
