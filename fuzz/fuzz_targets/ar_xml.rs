#![no_main]
//! `tasteskjema::fuzz::ar_xml` under libFuzzer.

libfuzzer_sys::fuzz_target!(|data: &[u8]| tasteskjema::fuzz::ar_xml(data));
