//! `use_page_params::<P>()`: the page's query, decoded by the browser and validated by the core, once per query.

use std::rc::Rc;

use web_sys::UrlSearchParams;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::core::params::{PageParams, ParamError};

/// The route's query as `P`, or every malformed value with its message.
/// Validated again only when the query changes.
#[hook]
pub fn use_page_params<P: PageParams + 'static>() -> Rc<Result<P, Vec<ParamError>>> {
    let location = use_location();
    let query = location.map(|l| l.query_str().to_owned()).unwrap_or_default();
    use_memo(query, |q| {
        let pairs = query_pairs(q);
        P::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    })
}

/// The query's pairs in order, decoded as the browser decodes them (`+` is a space).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    if let Ok(search) = UrlSearchParams::new_with_str(query) {
        if let Some(entries) = js_sys::try_iter(&search).ok().flatten() {
            for entry in entries.flatten() {
                let pair = js_sys::Array::from(&entry);
                if let (Some(k), Some(v)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                    pairs.push((k, v));
                }
            }
        }
    }
    pairs
}
