//! The wall clock, as the portal stores and compares it: Unix time in milliseconds (database
//! columns) or seconds (token and session times).

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// Seconds since the Unix epoch.
pub fn now_s() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
