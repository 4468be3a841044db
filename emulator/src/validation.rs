//! Query and path parameters read as FastAPI reads them, with pydantic-shaped
//! 422 details.

use serde::Serialize;
use serde_json::json;

use crate::api::api_json;
use crate::http::answer::HttpAnswer;
use crate::text_formats::parse_rfc3339;

/// One pydantic error detail (its keys come out sorted, as `json!` sorts them).
#[derive(Serialize)]
pub(crate) struct Detail {
    #[serde(skip_serializing_if = "Option::is_none")]
    ctx: Option<Ctx>,
    input: String,
    /// Where (`path` or `query`) and which parameter.
    loc: [&'static str; 2],
    msg: String,
    #[serde(rename = "type")]
    kind: &'static str,
}

/// A detail's context, one key: `{"error": reason}`, `{"ge": min}` or `{"le": max}`.
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum Ctx {
    Error(String),
    Ge(i64),
    Le(i64),
}

pub(crate) fn validation_error(details: Vec<Detail>, path: &str) -> HttpAnswer {
    api_json(
        422,
        &json!({"error": {"status": 422, "message": "Validation error", "details": details, "path": path}}),
        true,
    )
}

/// The last value of a query parameter (FastAPI reads the last one).
pub(crate) fn query_get<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// A `<what>_parsing` detail: "Input should be a valid <what>, <reason>".
fn parsing_error(
    kind: &'static str,
    what: &str,
    loc: [&'static str; 2],
    input: &str,
    reason: &str,
) -> Detail {
    Detail {
        ctx: Some(Ctx::Error(reason.to_string())),
        input: input.to_string(),
        loc,
        msg: format!("Input should be a valid {what}, {reason}"),
        kind,
    }
}

/// A parameter (`loc` is `path` or `query`) that is not a UUID.
pub(crate) fn uuid_error(
    loc: &'static str,
    name: &'static str,
    input: &str,
    reason: &str,
) -> Detail {
    parsing_error("uuid_parsing", "UUID", [loc, name], input, reason)
}

/// An optional RFC 3339 query parameter, microseconds since the epoch.
pub(crate) fn time_param(
    query: &[(String, String)],
    name: &'static str,
    errors: &mut Vec<Detail>,
) -> Option<i64> {
    let raw = query_get(query, name)?;
    let parsed = parse_rfc3339(raw);
    if let Err(reason) = parsed {
        errors.push(parsing_error("datetime_parsing", "datetime", ["query", name], raw, reason));
    }
    parsed.ok()
}

/// An integer query parameter within `ge..=le`, `default` when absent or invalid.
pub(crate) fn int_param(
    query: &[(String, String)],
    name: &'static str,
    default: i64,
    ge: Option<i64>,
    le: Option<i64>,
    errors: &mut Vec<Detail>,
) -> i64 {
    let Some(raw) = query_get(query, name) else {
        return default;
    };
    let detail =
        |kind, msg, ctx| Detail { ctx, input: raw.to_string(), loc: ["query", name], msg, kind };
    let refusal = match parse_int(raw) {
        None => detail(
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer".into(),
            None,
        ),
        Some(value) => match (ge.filter(|&min| value < min), le.filter(|&max| value > max)) {
            (Some(min), _) => detail(
                "greater_than_equal",
                format!("Input should be greater than or equal to {min}"),
                Some(Ctx::Ge(min)),
            ),
            (None, Some(max)) => detail(
                "less_than_equal",
                format!("Input should be less than or equal to {max}"),
                Some(Ctx::Le(max)),
            ),
            (None, None) => return value,
        },
    };
    errors.push(refusal);
    default
}

/// An integer as pydantic reads one from a string: optional sign, digits,
/// surrounding whitespace, an optional all-zero fraction. Out-of-range values
/// saturate (they fail any bound check anyway).
pub(crate) fn parse_int(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let t = match t.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return None,
        None => t,
    };
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match digits.parse::<i64>() {
        Ok(v) => Some(if negative { -v } else { v }),
        Err(_) => Some(if negative { i64::MIN } else { i64::MAX }),
    }
}
