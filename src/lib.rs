//! hwcheck: a doctor for GPU machines and containers.
//!
//! Probe ([`probe`]) gathers [`facts`]; judge ([`judge`]) turns facts and [`compat`] tables into
//! [`check`]s; render ([`render`]) formats them. [`app`] wires the three for the CLI.

// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod app;
pub mod check;
pub mod cli;
pub mod compat;
pub mod context;
pub mod detect;
pub mod diff;
pub mod env_vars;
pub mod explain;
pub mod facts;
pub mod image_ref;
pub mod isolate;
pub mod judge;
pub mod plan;
pub mod probe;
pub mod render;
pub mod require;
pub mod version;
