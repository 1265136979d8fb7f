#![no_main]
//! `tasteskjema::fuzz::identifiers` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::identifiers(data));
