//! The `hwcheck` binary: parses arguments, runs, maps the outcome to an exit code.

mod app;
mod cli;
mod commands;
mod common;
mod options;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    restore_default_sigpipe();
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(hwcheck_probe::isolate::PROBE_SUBCOMMAND) {
        let kind = args.get(2).map_or("", String::as_str);
        let arg = args.get(3).map_or("null", String::as_str);
        return hwcheck_probe::isolate::child_main(hwcheck_probe::CHILD_KINDS, kind, arg);
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(common::EXIT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let (global, invocation) = match cli::resolve(cli) {
        Ok(resolved) => resolved,
        Err(message) => {
            eprintln!("hwcheck: error: {message}");
            return ExitCode::from(common::EXIT_ERROR);
        }
    };
    match app::run(&global, invocation) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("hwcheck: error: {e:#}");
            ExitCode::from(common::EXIT_ERROR)
        }
    }
}

/// Rust ignores SIGPIPE, so `println!` into a closed pipe (`hwcheck | head`) panics. A command-line
/// tool should end quietly instead, as `cat` does: restore the default action.
fn restore_default_sigpipe() {
    // SAFETY: signal(2) with SIG_DFL installs no handler and runs before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
