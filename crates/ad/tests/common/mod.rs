//! Shared helpers for the integration tests of `hypergrad-ad`.

pub mod program;
