//! Query and path parameters read as FastAPI reads them, with pydantic-shaped
//! 422 details.

use serde_json::{json, Value};

use crate::api::api_json;
use crate::http::answer::HttpAnswer;
use crate::text_formats::parse_rfc3339;

pub(crate) fn validation_error(details: Vec<Value>, path: &str) -> HttpAnswer {
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

pub(crate) fn detail(
    kind: &str,
    loc: &str,
    name: &str,
    msg: String,
    input: &str,
    ctx: Option<Value>,
) -> Value {
    let mut d = json!({"type": kind, "loc": [loc, name], "msg": msg, "input": input});
    if let Some(ctx) = ctx {
        d["ctx"] = ctx;
    }
    d
}

pub(crate) fn uuid_error(loc: &str, name: &str, input: &str, reason: &str) -> Value {
    detail(
        "uuid_parsing",
        loc,
        name,
        format!("Input should be a valid UUID, {reason}"),
        input,
        Some(json!({"error": reason})),
    )
}

pub(crate) fn time_param(
    query: &[(String, String)],
    name: &str,
    errors: &mut Vec<Value>,
) -> Option<i64> {
    let raw = query_get(query, name)?;
    match parse_rfc3339(raw) {
        Ok(us) => Some(us),
        Err(reason) => {
            errors.push(detail(
                "datetime_parsing",
                "query",
                name,
                format!("Input should be a valid datetime, {reason}"),
                raw,
                Some(json!({"error": reason})),
            ));
            None
        }
    }
}

pub(crate) fn int_param(
    query: &[(String, String)],
    name: &str,
    default: i64,
    ge: Option<i64>,
    le: Option<i64>,
    errors: &mut Vec<Value>,
) -> i64 {
    let Some(raw) = query_get(query, name) else {
        return default;
    };
    let Some(value) = parse_int(raw) else {
        errors.push(detail(
            "int_parsing",
            "query",
            name,
            "Input should be a valid integer, unable to parse string as an integer".into(),
            raw,
            None,
        ));
        return default;
    };
    if let Some(min) = ge.filter(|&min| value < min) {
        errors.push(detail(
            "greater_than_equal",
            "query",
            name,
            format!("Input should be greater than or equal to {min}"),
            raw,
            Some(json!({"ge": min})),
        ));
        return default;
    }
    if let Some(max) = le.filter(|&max| value > max) {
        errors.push(detail(
            "less_than_equal",
            "query",
            name,
            format!("Input should be less than or equal to {max}"),
            raw,
            Some(json!({"le": max})),
        ));
        return default;
    }
    value
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
