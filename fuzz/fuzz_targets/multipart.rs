#![no_main]
//! `tasteskjema::fuzz::multipart` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::multipart(data));
