//! Report timestamps: RFC 3339 text in UTC (whole seconds), as reports carry them.
//!
//! humantime does the calendar arithmetic (a small, dependency-free crate that formats and
//! parses RFC 3339 and durations such as `10m`); this module only fixes the precision.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `time` as RFC 3339 UTC with whole seconds, e.g. "2026-11-29T10:15:00Z".
pub fn format_rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

/// Parses an RFC 3339 timestamp ("2026-11-29T10:15:00Z", fractions and `+00:00` allowed);
/// `None` for anything else. Offsets other than UTC are refused (hwcheck writes UTC only).
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let utc = text.strip_suffix("+00:00").map(|t| format!("{t}Z"));
    humantime::parse_rfc3339_weak(utc.as_deref().unwrap_or(text)).ok()
}

/// Seconds since the Unix epoch (negative before it).
pub fn unix_seconds(time: SystemTime) -> f64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    }
}

/// Parses a duration as people write it: "10m", "1h30m", "90s", "2d"; `Err` with a sentence.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?} is not a duration like 90s, 10m or 1h30m ({e})"))
}

/// A duration as people read it ("10m", "1h 30m").
pub fn format_duration(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_whole_seconds() {
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        let text = format_rfc3339(t);
        assert_eq!(text, "2026-11-18T11:06:40Z");
        assert_eq!(parse_rfc3339(&text), Some(t));
        assert_eq!(parse_rfc3339("2026-11-18T11:06:40+00:00"), Some(t));
        assert_eq!(unix_seconds(t), 1_795_000_000.0);
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        for bad in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-11-18T11:06:40+02:00",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn parses_and_prints_durations() {
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration(" 1h30m "), Ok(Duration::from_secs(5400)));
        assert!(parse_duration("ten minutes").unwrap_err().contains("10m"));
        assert_eq!(format_duration(Duration::from_millis(600_400)), "10m");
    }
}
