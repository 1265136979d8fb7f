#![no_main]
//! `tasteskjema::fuzz::form_file` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::form_file(data));
