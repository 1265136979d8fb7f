#![no_main]
//! `tasteskjema::fuzz::urlencoded` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::urlencoded(data));
