//! Reading a Pushover answer: success with its request id and quota headers, or a classified
//! [`NotifyError`] (4xx permanent, 429 quota, everything else transient).

use cc_notify_core::{NotifyError, Receipt};
use serde::Deserialize;

/// The JSON body Pushover answers with (success and failure alike).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Body {
    pub status: Option<i64>,
    pub request: Option<String>,
    pub receipt: Option<String>,
    pub errors: Vec<String>,
    pub devices: Vec<String>,
    pub licenses: Vec<String>,
    pub group: Option<i64>,
}

/// The answer of one request, decoupled from the HTTP client.
pub(crate) struct Answer<'a> {
    pub status: u16,
    pub header: &'a dyn Fn(&str) -> Option<String>,
    pub body: &'a [u8],
}

impl Answer<'_> {
    fn header_u64(&self, name: &str) -> Option<u64> {
        (self.header)(name).and_then(|v| v.trim().parse().ok())
    }

    /// The parsed body on success (HTTP 2xx and `status` 1), else the classified error.
    /// `now` (Unix seconds) dates a 429 that lacks `X-Limit-App-Reset`.
    pub fn into_body(self, now: u64) -> Result<Body, NotifyError> {
        let body: Option<Body> = serde_json::from_slice(self.body).ok();
        match self.status {
            200..=299 => match body {
                Some(b) if b.status == Some(1) => Ok(b),
                Some(b) => Err(NotifyError::Rejected {
                    status: Some(self.status),
                    message: describe(&b, "status is not 1"),
                }),
                None => Err(NotifyError::Unavailable(format!(
                    "HTTP {} with an unreadable body",
                    self.status
                ))),
            },
            429 => Err(NotifyError::QuotaExhausted {
                until: Some(
                    self.header_u64("X-Limit-App-Reset")
                        .unwrap_or_else(|| next_monthly_reset(now)),
                ),
            }),
            400..=499 => Err(NotifyError::Rejected {
                status: Some(self.status),
                message: body.map_or_else(
                    || "no explanation given".to_owned(),
                    |b| describe(&b, "no explanation given"),
                ),
            }),
            other => Err(NotifyError::Unavailable(format!("HTTP {other}"))),
        }
    }

    /// The receipt of a successful message request.
    pub fn into_receipt(self, now: u64) -> Result<Receipt, NotifyError> {
        let remaining = self.header_u64("X-Limit-App-Remaining");
        let reset = self.header_u64("X-Limit-App-Reset");
        let body = self.into_body(now)?;
        Ok(Receipt {
            request_id: body.request,
            receipt: body.receipt,
            quota_remaining: remaining,
            quota_reset: reset,
        })
    }
}

fn describe(b: &Body, fallback: &str) -> String {
    let mut text = if b.errors.is_empty() {
        fallback.to_owned()
    } else {
        b.errors.join("; ")
    };
    if let Some(id) = &b.request {
        text.push_str(&format!(" (request {id})"));
    }
    text
}

/// When Pushover's monthly counters reset after `now`: 00:00 US Central on the 1st of the
/// next month, taken as 06:00 UTC (never earlier than the real reset, DST or not).
pub fn next_monthly_reset(now: u64) -> u64 {
    const DAY: u64 = 86_400;
    const CENTRAL_OFFSET: u64 = 6 * 3600;
    let (year, month) = year_month(now.saturating_sub(CENTRAL_OFFSET) / DAY);
    let (year, month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    days_from_civil(year, month) * DAY + CENTRAL_OFFSET
}

/// Days since 1970-01-01 of the 1st of `month` (Howard Hinnant's algorithm, years ≥ 1970).
fn days_from_civil(year: u64, month: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let (era, yoe) = (y / 400, y % 400);
    let doy = (153 * ((month + 9) % 12) + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month) of a day count since 1970-01-01.
fn year_month(days: u64) -> (u64, u64) {
    let z = days + 719_468;
    let (era, doe) = (z / 146_097, z % 146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + u64::from(month <= 2), month)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn answer<'a>(
        status: u16,
        headers: &'a dyn Fn(&str) -> Option<String>,
        body: &'a str,
    ) -> Answer<'a> {
        Answer {
            status,
            header: headers,
            body: body.as_bytes(),
        }
    }

    #[test]
    fn success_records_request_id_and_quota_headers_when_readable() {
        let h = |n: &str| match n {
            "X-Limit-App-Remaining" => Some("7496".to_owned()),
            "X-Limit-App-Reset" => Some("not a number".to_owned()),
            _ => None,
        };
        let r = answer(200, &h, r#"{"status":1,"request":"abc","receipt":"r1"}"#)
            .into_receipt(0)
            .unwrap();
        assert_eq!(r.request_id.as_deref(), Some("abc"));
        assert_eq!(r.receipt.as_deref(), Some("r1"));
        assert_eq!((r.quota_remaining, r.quota_reset), (Some(7496), None));
    }

    #[test]
    fn errors_are_classified() {
        let none = |_: &str| None;
        let e = answer(
            400,
            &none,
            r#"{"status":0,"errors":["user identifier is invalid"],"request":"x1"}"#,
        )
        .into_receipt(0)
        .unwrap_err();
        assert!(e.is_permanent());
        assert!(
            e.to_string()
                .contains("user identifier is invalid (request x1)"),
            "{e}"
        );
        let e = answer(200, &none, r#"{"status":0}"#)
            .into_receipt(0)
            .unwrap_err();
        assert!(e.is_permanent());
        let e = answer(502, &none, "<html>").into_receipt(0).unwrap_err();
        assert!(e.is_transient());
        let reset = |n: &str| (n == "X-Limit-App-Reset").then(|| " 1393653600 ".to_owned());
        assert_eq!(
            answer(429, &reset, "{}").into_receipt(0),
            Err(NotifyError::QuotaExhausted {
                until: Some(1_393_653_600)
            })
        );
    }

    #[test]
    fn a_429_without_reset_header_waits_for_the_next_month() {
        // 2026-05-17 12:00 UTC -> 2026-06-01 06:00 UTC.
        assert_eq!(next_monthly_reset(1_779_019_200), 1_780_293_600);
        // 2026-12-31 23:00 UTC (17:00 Central) -> 2027-01-01 06:00 UTC.
        assert_eq!(next_monthly_reset(1_798_758_000), 1_798_783_200);
        // 2027-01-01 03:00 UTC is still December in Central time.
        assert_eq!(next_monthly_reset(1_798_772_400), 1_798_783_200);
        let none = |_: &str| None;
        assert_eq!(
            answer(429, &none, "").into_receipt(1_779_019_200),
            Err(NotifyError::QuotaExhausted {
                until: Some(1_780_293_600)
            })
        );
    }
}
