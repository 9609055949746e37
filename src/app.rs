//! Dispatches a resolved invocation to its command.

use crate::common::AppError;
use crate::options::{Global, Invocation};

/// Runs one resolved invocation and returns the exit code.
pub fn run(global: &Global, invocation: Invocation) -> Result<u8, AppError> {
    match invocation {
        Invocation::Doctor(options) => crate::commands::doctor::run(global, &options),
        Invocation::Explain(options) => crate::commands::explain::run(global, &options),
        Invocation::Diff(options) => crate::commands::diff::run(global, &options),
        Invocation::Plan(options) => crate::commands::plan::run(global, &options),
        Invocation::Detect(options) => crate::commands::detect::run(global, &options),
        Invocation::Watch(options) => crate::commands::watch::run(global, &options),
        Invocation::Summarize(options) => crate::commands::summarize::run(&options, global.width),
        Invocation::Fix(options) => crate::commands::fix::run(global, &options),
    }
}
