//! The bottom layer of hwcheck: the facts model (what probes learn, what `--facts` replays),
//! the check types judges produce and renderers print, versions, the environment variables
//! hwcheck reads, and bounded file reading. No other hwcheck crate is a dependency of this one.

// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub mod area;
pub mod check;
pub mod check_id;
pub mod env_vars;
pub mod facts;
pub mod fleet;
pub mod parallel;
pub mod read;
pub mod remedy;
pub mod require_cuda;
pub mod schema;
pub mod summary;
pub mod time;
pub mod version;
