//! The subcommands: each takes resolved options, runs, and returns an exit code.

pub mod detect;
pub mod diff;
pub mod doctor;
pub mod explain;
pub mod explain_render;
pub mod fix;
pub mod outputs;
pub mod plan;
pub mod summarize;
pub mod watch;
