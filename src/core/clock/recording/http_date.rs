//! HTTP dates (`Last-Modified`): IMF-fixdate, and the obsolete RFC 850 and asctime forms.
//!
//! Clock subtlety: an HTTP date has whole-second resolution. A file's
//! modification time is truncated to the second when a server sends it, so
//! the true instant lies in the second after the value.

use crate::core::time::{parse_rfc3339, UnixMicros};

const MONTHS: [&str; 12] =
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn month(name: &str) -> Option<usize> {
    MONTHS.iter().position(|m| m.eq_ignore_ascii_case(name)).map(|i| i + 1)
}

fn two(s: &str) -> Option<String> {
    (s.len() == 2 || s.len() == 1).then(|| format!("{s:0>2}"))
}

/// Parses an HTTP date into UTC microseconds; `None` for anything else.
pub fn parse_http_date(text: &str) -> Option<UnixMicros> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let (day, mon, year, time) = match parts.as_slice() {
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        [_, d, m, y, t, "GMT"] => (*d, *m, y.to_string(), *t),
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        [_, dmy, t, "GMT"] => {
            let mut it = dmy.split('-');
            let (d, m, y) = (it.next()?, it.next()?, it.next()?);
            let y: i64 = y.parse().ok()?;
            // Two-digit years: RFC 9110 reads those more than 50 years ahead as the past century.
            let full = if y < 100 {
                if y < 70 {
                    2000 + y
                } else {
                    1900 + y
                }
            } else {
                y
            };
            (d, m, full.to_string(), *t)
        }
        // asctime: Sun Nov  6 08:49:37 1994
        [_, m, d, t, y] => (*d, *m, y.to_string(), *t),
        _ => return None,
    };
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) || time.len() != 8 {
        return None;
    }
    let text = format!("{year}-{:02}-{}T{time}Z", month(mon)?, two(day)?);
    parse_rfc3339(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let t = Some(UnixMicros(784_111_777_000_000));
        let cases = [
            ("Sun, 06 Nov 1994 08:49:37 GMT", t),
            ("Sunday, 06-Nov-94 08:49:37 GMT", t),
            ("Sun Nov  6 08:49:37 1994", t),
            ("Mon, 05 Jan 2026 13:00:07 GMT", Some(UnixMicros(1_767_618_007_000_000))),
            ("Mon, 05 Jan 2026 13:00:07 UTC", None),
            ("Mon, 32 Jan 2026 13:00:07 GMT", None),
            ("Mon, 05 Foo 2026 13:00:07 GMT", None),
            ("Mon, 05 Jan 2026 25:00:07 GMT", None),
            ("Mon, 05 Jan 2026 13:00 GMT", None),
            ("", None),
            ("1767618007", None),
        ];
        for (text, want) in cases {
            assert_eq!(parse_http_date(text), want, "{text}");
        }
    }
}
