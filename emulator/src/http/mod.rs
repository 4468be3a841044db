//! HTTP: the server, the dispatch of each request, answers and static files.

pub(crate) mod answer;
pub(crate) mod dispatch;
pub(crate) mod request;
pub(crate) mod server;
pub(crate) mod static_files;

#[cfg(test)]
mod tests;
