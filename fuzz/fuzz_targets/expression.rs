#![no_main]
//! `tasteskjema::fuzz::expression` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::expression(data));
