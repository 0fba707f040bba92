//! IRCv3 `server-time` values (`2026-11-22T10:04:05.123Z`) to and from Unix milliseconds.

/// Formats Unix milliseconds as an IRCv3 server-time value (UTC).
pub fn format_server_time(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (y, mo, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// Parses a server-time value; `None` for anything that is not one.
pub fn parse_server_time(s: &str) -> Option<u64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut date = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let (y, mo, d) = (date.next()??, date.next()??, date.next()??);
    // Four-digit years only: anything larger is not a time a server sends,
    // and would overflow the milliseconds below.
    if !(1970..=9999).contains(&y) {
        return None;
    }
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut hms = hms.splitn(3, ':').map(|p| p.parse::<u64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ms = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    let days = u64::try_from(days_from_civil(i64::from(y), mo, d)).ok()?;
    Some(((days * 86_400) + h * 3600 + mi * 60 + sec) * 1000 + ms)
}

// Calendar arithmetic over 400-year eras of 146,097 days, counted from 0000-03-01
// so that the leap day falls at the end of each year.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from(if m > 2 { m - 3 } else { m + 9 });
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_times_are_refused_not_overflowed() {
        assert_eq!(parse_server_time("999999999-01-01T00:00:00Z"), None);
        assert_eq!(parse_server_time("4294967295-12-31T23:59:59.999Z"), None);
        assert_eq!(parse_server_time("1969-12-31T23:59:59Z"), None);
        assert_eq!(
            parse_server_time("9999-12-31T23:59:59.999Z"),
            Some(253_402_300_799_999)
        );
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_server_time(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_server_time(951_782_400_000),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            format_server_time(1_795_316_645_123),
            "2026-11-22T03:04:05.123Z"
        );
    }

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, 951_782_400_000, 1_795_316_645_123, 4_102_444_799_999] {
            assert_eq!(parse_server_time(&format_server_time(ms)), Some(ms));
        }
        assert_eq!(
            parse_server_time("2026-11-22T03:04:05Z"),
            Some(1_795_316_645_000)
        );
        assert_eq!(
            parse_server_time("2026-11-22T03:04:05.1Z"),
            Some(1_795_316_645_100)
        );
        for bad in [
            "",
            "2026-11-22",
            "2026-13-01T00:00:00Z",
            "x-1-1T0:0:0Z",
            "2026-11-22T03:04:05.Z",
        ] {
            assert_eq!(parse_server_time(bad), None, "{bad}");
        }
    }
}
