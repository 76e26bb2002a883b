//! The digest parser: gunzip + Python-rules JSON + the reference's checks (spec §1.7), then
//! key lookup and signature verification. Inputs whose JSON passes the format checks are
//! signed in the harness with a committed throwaway key, so the code after the signature
//! check (times, log list, previous link) is reached too.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)] // each target uses one entry point of the shared harness
#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    harness::digest(data);
});
