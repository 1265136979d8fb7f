#![no_main]
//! `tasteskjema::fuzz::gld_body` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::gld_body(data));
