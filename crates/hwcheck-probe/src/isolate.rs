//! Risky probes run in a child process with a timeout.
//!
//! Loading a vendor library can crash (SIGSEGV in a constructor), abort, hang or call `exit`.
//! hwcheck re-executes itself as `hwcheck __probe <kind> <json>`; the child does the one risky
//! thing and prints a single `HWCHECK-RESULT:<json>` line on stdout. Anything else the child
//! or its libraries print is ignored (stderr's tail is kept for the report). The parent turns
//! every way a child can end into a [`ChildFailure`], so a broken library becomes a failed check,
//! not a dead doctor.

use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;
use wait_timeout::ChildExt;

pub mod staged;

/// The hidden subcommand the child runs under.
pub const PROBE_SUBCOMMAND: &str = "__probe";
/// Prefix of the one result line a child prints.
pub const RESULT_PREFIX: &str = "HWCHECK-RESULT:";
/// Most bytes kept from a child's stdout or stderr.
const MAX_CAPTURE: usize = 1 << 20;
/// Characters of stderr kept in a failure message.
const STDERR_TAIL: usize = 600;

/// How a child probe failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChildFailure {
    /// Still running at the deadline; it was killed.
    #[error("timed out after {} s", format_secs(*millis))]
    TimedOut {
        /// The timeout, in milliseconds.
        millis: u64,
    },
    /// Killed by a signal (SIGSEGV in a library constructor, abort(), …).
    #[error("crashed with {signal}{}", tail_suffix(stderr_tail))]
    Crashed {
        /// Signal name, e.g. "SIGSEGV".
        signal: String,
        /// Last lines of stderr.
        stderr_tail: String,
    },
    /// Exited without printing a result (e.g. a library called exit()).
    #[error(
        "exited with status {code} before reporting a result{}",
        tail_suffix(stderr_tail)
    )]
    Exited {
        /// Exit status.
        code: i32,
        /// Last lines of stderr.
        stderr_tail: String,
    },
    /// Printed a result that could not be read.
    #[error("returned an unreadable result: {0}")]
    BadOutput(String),
    /// Could not be started at all.
    #[error("could not start the probe process: {0}")]
    SpawnFailed(String),
    /// The child ran and reported an error of its own (already explained by the child).
    #[error("{}", .0.message)]
    Reported(ProbeError),
    /// Ended early because the caller asked to stop (e.g. `hwcheck watch` got SIGTERM).
    #[error("stopped before it finished")]
    Stopped,
}

fn format_secs(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{:.1}", millis as f64 / 1000.0)
    }
}

fn tail_suffix(tail: &str) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!(": {tail}")
    }
}

impl ChildFailure {
    /// The failure as a fact, with a stable code (`timed_out`, `crashed`, `exited`,
    /// `bad_output`, `spawn_failed`, or the child's own code).
    pub fn to_probe_error(&self) -> ProbeError {
        let code = match self {
            ChildFailure::TimedOut { .. } => "timed_out",
            ChildFailure::Crashed { .. } => "crashed",
            ChildFailure::Exited { .. } => "exited",
            ChildFailure::BadOutput(_) => "bad_output",
            ChildFailure::SpawnFailed(_) => "spawn_failed",
            ChildFailure::Stopped => "stopped",
            ChildFailure::Reported(e) => return e.clone(),
        };
        ProbeError::new(code, self.to_string())
    }
}

/// One probe to run in a child: its kind (dispatched by [`child_main`]), its argument, extra
/// environment and a timeout.
#[derive(Clone, Debug)]
pub struct ChildProbe {
    kind: String,
    arg: String,
    /// Variables set (`Some`) or removed (`None`) for the child only.
    env: Vec<(String, Option<String>)>,
    timeout: Duration,
}

impl ChildProbe {
    /// A probe of `kind` with a serialisable argument.
    pub fn new(kind: &str, arg: &impl Serialize, timeout: Duration) -> Self {
        Self {
            kind: kind.to_string(),
            arg: serde_json::to_string(arg).unwrap_or_else(|_| "null".to_string()),
            env: Vec::new(),
            timeout,
        }
    }

    /// Sets an environment variable for the child only (e.g. LD_LIBRARY_PATH for one test).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), Some(value.to_string())));
        self
    }

    /// Sets (`Some`) or removes (`None`) each variable for the child only: the environment a
    /// remedy is verified in (the loader reads LD_LIBRARY_PATH when the child starts).
    pub fn envs(mut self, changes: &[(String, Option<String>)]) -> Self {
        self.env.extend(changes.iter().cloned());
        self
    }

    /// Runs the probe in a child of this executable and decodes its result.
    pub fn run<T: DeserializeOwned>(&self) -> Result<T, ChildFailure> {
        self.run_until(&|| false)
    }

    /// [`ChildProbe::run`], ended early ([`ChildFailure::Stopped`]) once `stop()` turns true.
    pub fn run_until<T: DeserializeOwned>(
        &self,
        stop: &dyn Fn() -> bool,
    ) -> Result<T, ChildFailure> {
        let captured = run_supervised(self.command()?, self.timeout, stop)?;
        decode_result(&captured)
    }

    /// The command that runs this probe in a child of this executable.
    fn command(&self) -> Result<Command, ChildFailure> {
        let exe = std::env::current_exe().map_err(|e| ChildFailure::SpawnFailed(e.to_string()))?;
        let mut cmd = Command::new(exe);
        cmd.arg(PROBE_SUBCOMMAND).arg(&self.kind).arg(&self.arg);
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        Ok(cmd)
    }
}

/// What a finished child left behind.
#[derive(Debug)]
pub struct Captured {
    /// Exit status.
    pub status: ExitStatus,
    /// Stdout (bounded).
    pub stdout: String,
    /// Stderr (bounded).
    pub stderr: String,
}

/// Runs `cmd` with null stdin and captured output; kills its whole process group at the deadline.
pub fn run_with_timeout(cmd: Command, timeout: Duration) -> Result<Captured, ChildFailure> {
    run_supervised(cmd, timeout, &|| false)
}

/// How often [`run_supervised`] asks whether to stop.
const STOP_POLL: Duration = Duration::from_millis(50);

/// [`run_with_timeout`] that also ends the child and its process group as soon as `stop()`
/// turns true (asked every 50 ms): [`ChildFailure::Stopped`]. Either way the child is reaped
/// before this returns, so callers never leave a zombie or a running group behind.
pub fn run_supervised(
    cmd: Command,
    timeout: Duration,
    stop: &dyn Fn() -> bool,
) -> Result<Captured, ChildFailure> {
    let (ended, stdout, stderr) = supervise(cmd, Deadline::fixed(timeout), stop)?;
    ended.map(|status| Captured {
        status,
        stdout,
        stderr,
    })
}

/// How long a child may run: `first`, and when it is a staged child, `then` more from the
/// moment it printed its first stage ([`staged`]).
#[derive(Clone, Copy, Debug)]
struct Deadline {
    first: Duration,
    then: Option<Duration>,
}

impl Deadline {
    /// One deadline for the whole child.
    fn fixed(timeout: Duration) -> Self {
        Deadline {
            first: timeout,
            then: None,
        }
    }
}

/// Runs `cmd` as [`run_supervised`] does and keeps what it printed even when it was killed
/// (a staged child's earlier answers): (how it ended, stdout, stderr).
fn supervise(
    mut cmd: Command,
    limit: Deadline,
    stop: &dyn Fn() -> bool,
) -> Result<(Result<ExitStatus, ChildFailure>, String, String), ChildFailure> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: prctl(2) is async-signal-safe; between fork and exec it only sets the child's
    // parent-death signal, so a killed hwcheck does not leave hung probes behind (the spawning
    // thread waits for the child below, so it outlives it).
    #[cfg(target_os = "linux")]
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| ChildFailure::SpawnFailed(e.to_string()))?;
    let staged = std::sync::Arc::new(std::sync::OnceLock::new());
    let watch = limit.then.map(|_| std::sync::Arc::clone(&staged));
    let out = child.stdout.take().map(|pipe| spawn_reader(pipe, watch));
    let err = child.stderr.take().map(|pipe| spawn_reader(pipe, None));
    let started = std::time::Instant::now();
    let mut timeout = limit.first;
    let ended = loop {
        if let (Some(then), Some(seen)) = (limit.then, staged.get()) {
            timeout = seen.duration_since(started) + then;
        }
        let left = (started + timeout).saturating_duration_since(std::time::Instant::now());
        let failure = match child.wait_timeout(left.min(STOP_POLL)) {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if stop() => ChildFailure::Stopped,
            Ok(None) if !left.is_zero() => continue,
            Ok(None) | Err(_) => ChildFailure::TimedOut {
                millis: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
            },
        };
        kill_group(child.id());
        let _ = child.kill();
        let _ = child.wait();
        break Err(failure);
    };
    if ended.is_ok() {
        // Grandchildren may still hold the pipes: kill the group so the readers see EOF.
        kill_group(child.id());
    }
    let join = |h: Option<std::thread::JoinHandle<String>>| {
        h.and_then(|h| h.join().ok()).unwrap_or_default()
    };
    Ok((ended, join(out), join(err)))
}

fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals the process group we created for the
        // child (process_group(0) made it the leader); it touches no memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Reads a pipe to its end (bounded); when `staged` is given, records there when a first-stage
/// line ([`staged::STAGE_PREFIX`]) has come.
fn spawn_reader(
    mut pipe: impl Read + Send + 'static,
    staged: Option<std::sync::Arc<std::sync::OnceLock<std::time::Instant>>>,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        let prefix = staged::STAGE_PREFIX.as_bytes();
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let from = kept.len().saturating_sub(prefix.len());
                    let room = MAX_CAPTURE.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                    if let Some(seen) = staged.as_ref().filter(|s| s.get().is_none()) {
                        if kept[from..].windows(prefix.len()).any(|w| w == prefix) {
                            let _ = seen.set(std::time::Instant::now());
                        }
                    }
                }
            }
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

/// Turns a finished child's output into its result or a [`ChildFailure`].
pub fn decode_result<T: DeserializeOwned>(captured: &Captured) -> Result<T, ChildFailure> {
    let tail = stderr_tail(&captured.stderr);
    if let Some(signal) = captured.status.signal() {
        return Err(ChildFailure::Crashed {
            signal: signal_name(signal),
            stderr_tail: tail,
        });
    }
    let line = captured
        .stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(RESULT_PREFIX));
    let Some(json) = line else {
        return Err(ChildFailure::Exited {
            code: captured.status.code().unwrap_or(-1),
            stderr_tail: tail,
        });
    };
    decode_line(json)
}

/// Decodes one answer line's JSON (after its prefix): the child's value or its reported error.
fn decode_line<T: DeserializeOwned>(json: &str) -> Result<T, ChildFailure> {
    let reply: Result<serde_json::Value, ProbeError> =
        serde_json::from_str(json).map_err(|e| ChildFailure::BadOutput(e.to_string()))?;
    let value = reply.map_err(ChildFailure::Reported)?;
    serde_json::from_value(value).map_err(|e| ChildFailure::BadOutput(e.to_string()))
}

fn stderr_tail(stderr: &str) -> String {
    let trimmed = stderr.trim();
    let start = trimmed
        .char_indices()
        .rev()
        .nth(STDERR_TAIL)
        .map_or(0, |(i, _)| i);
    trimmed[start..].replace('\n', " | ")
}

/// "SIGSEGV" for 11, etc.; "signal N" for the rest.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGILL => "SIGILL",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGSYS => "SIGSYS",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// What one kind of child probe runs: `hwcheck __probe <name> <json>` calls `run(json)`.
#[derive(Clone, Copy, Debug)]
pub struct ChildKind {
    /// The kind's name on the command line.
    pub name: &'static str,
    /// Runs the probe in this (child) process and returns its typed result as JSON.
    pub run: fn(&str) -> Result<serde_json::Value, ProbeError>,
}

/// The `echo` kind: returns its argument (tests of the runner).
pub const ECHO: ChildKind = ChildKind {
    name: "echo",
    run: |arg| {
        serde_json::from_str(arg).map_err(|e| ProbeError::new(Code::BadArgument, e.to_string()))
    },
};

/// Entry point of `hwcheck __probe <kind> <json>`: runs the registered kind named `kind` and
/// prints its result line. Always exits 0 after printing; a crash or hang is for the parent to
/// see.
pub fn child_main(kinds: &[ChildKind], kind: &str, arg: &str) -> std::process::ExitCode {
    let reply: Result<serde_json::Value, ProbeError> = match kinds.iter().find(|k| k.name == kind) {
        Some(k) => (k.run)(arg),
        None => Err(ProbeError::new(
            Code::UnknownProbe,
            format!("unknown probe kind {kind:?}"),
        )),
    };
    let line = serde_json::to_string(&reply)
        .unwrap_or_else(|e| format!(r#"{{"Err":{{"code":"bad_output","message":"{e}"}}}}"#));
    println!("{RESULT_PREFIX}{line}");
    std::process::ExitCode::SUCCESS
}

/// Serialises a probe's typed result for [`child_main`].
pub fn to_reply<T: Serialize>(
    value: Result<T, ProbeError>,
) -> Result<serde_json::Value, ProbeError> {
    value.and_then(|v| {
        serde_json::to_value(v).map_err(|e| ProbeError::new(Code::BadOutput, e.to_string()))
    })
}

/// Parses a probe's JSON argument for [`dispatch`].
pub fn parse_arg<T: DeserializeOwned>(arg: &str) -> Result<T, ProbeError> {
    serde_json::from_str(arg).map_err(|e| ProbeError::new(Code::BadArgument, e.to_string()))
}

#[cfg(test)]
mod tests;
