//! HTTP: the server, the dispatch of each request, answers, static files and
//! the viewer's generated configuration.

pub(crate) mod answer;
pub(crate) mod dispatch;
pub(crate) mod request;
pub(crate) mod server;
pub(crate) mod static_files;
pub(crate) mod viewer_config;

#[cfg(test)]
mod tests;
