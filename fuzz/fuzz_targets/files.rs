#![no_main]
//! `tasteskjema::fuzz::files` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::files(data));
