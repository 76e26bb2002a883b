//! The record decoder (`trailproof::records`) and the activity aggregator
//! (`trailproof::activity`): one file through the summarizer.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one entry point of the shared harness
#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    harness::activity_record(data);
});
