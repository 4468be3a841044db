//! Hooks shared by the pages, one per file.

pub mod use_page_params;

pub use use_page_params::use_page_params;
