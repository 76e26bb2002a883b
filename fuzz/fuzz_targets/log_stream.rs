//! The log stream verifier: first gzip member inflated chunk by chunk into SHA-256, against
//! a one-shot oracle (flate2 `read_to_end` + one SHA-256).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one entry point of the shared harness
#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    harness::log_stream(data);
});
