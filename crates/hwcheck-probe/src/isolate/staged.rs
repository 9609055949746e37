//! Children that answer in two stages: the first answer is printed as soon as it is known
//! (`HWCHECK-STAGE:<json>`), the final one as usual. A second stage that crashes, hangs or exits
//! keeps the first stage's answer: a provider's session probe survives a detector that kills
//! its process.

use super::{decode_line, decode_result, supervise, Captured, ChildFailure, ChildProbe, Deadline};
use hwcheck_model::facts::{Code, ProbeError};
use serde::de::DeserializeOwned;
use std::io::Write;
use std::process::ExitStatus;
use std::time::Duration;

/// Prefix of the first stage's answer line.
pub const STAGE_PREFIX: &str = "HWCHECK-STAGE:";

/// Child side: prints the first stage's answer now, flushed, before the second stage starts.
pub fn report_first(answer: &Result<serde_json::Value, ProbeError>) {
    let line = serde_json::to_string(answer)
        .unwrap_or_else(|e| format!(r#"{{"Err":{{"code":"bad_output","message":"{e}"}}}}"#));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{STAGE_PREFIX}{line}");
    let _ = out.flush();
}

/// Parent side: runs `probe` as a staged child, ended early when `stop()` turns true; returns
/// (first stage, second stage). The probe's timeout bounds the first stage; the second gets
/// `then` more from the moment the first answered. A child that died during the second stage
/// still gives the first stage's answer; one that died before it gives one failure for both.
pub fn run<A: DeserializeOwned, B: DeserializeOwned>(
    probe: &ChildProbe,
    then: Duration,
    stop: &dyn Fn() -> bool,
) -> (Result<A, ChildFailure>, Result<B, ChildFailure>) {
    let limit = Deadline {
        first: probe.timeout,
        then: Some(then),
    };
    let supervised = probe.command().and_then(|cmd| supervise(cmd, limit, stop));
    match supervised {
        Ok((ended, stdout, stderr)) => answers(ended, stdout, stderr),
        Err(failure) => (Err(failure.clone()), Err(failure)),
    }
}

/// The two stages' answers from how a staged child ended and what it printed.
fn answers<A: DeserializeOwned, B: DeserializeOwned>(
    ended: Result<ExitStatus, ChildFailure>,
    stdout: String,
    stderr: String,
) -> (Result<A, ChildFailure>, Result<B, ChildFailure>) {
    let first_line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(STAGE_PREFIX))
        .map(str::to_string);
    let second = ended.and_then(|status| {
        decode_result(&Captured {
            status,
            stdout,
            stderr,
        })
    });
    let first = match (first_line, &second) {
        (Some(json), _) => decode_line(&json),
        (None, Err(failure)) => Err(failure.clone()),
        (None, Ok(_)) => Err(ChildFailure::Reported(ProbeError::new(
            Code::BadOutput,
            "the child gave a final answer without its first stage",
        ))),
    };
    (first, second)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isolate::RESULT_PREFIX;
    use std::process::Command;

    /// Runs `script` under sh as a staged child: `timeout` for each stage.
    fn staged_sh(
        script: &str,
        timeout: Duration,
    ) -> (Result<u32, ChildFailure>, Result<u32, ChildFailure>) {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        let limit = Deadline {
            first: timeout,
            then: Some(timeout),
        };
        let (ended, stdout, stderr) = supervise(cmd, limit, &|| false).unwrap();
        answers(ended, stdout, stderr)
    }

    #[test]
    fn both_stages_are_read() {
        let (a, b) = staged_sh(
            &format!(
                "echo '{STAGE_PREFIX}{{\"Ok\":1}}'; echo noise; echo '{RESULT_PREFIX}{{\"Ok\":2}}'"
            ),
            Duration::from_secs(5),
        );
        assert_eq!((a.unwrap(), b.unwrap()), (1, 2));
    }

    #[test]
    fn a_crash_in_the_second_stage_keeps_the_first() {
        let (a, b) = staged_sh(
            &format!("echo '{STAGE_PREFIX}{{\"Ok\":7}}'; kill -SEGV $$"),
            Duration::from_secs(5),
        );
        assert_eq!(a.unwrap(), 7);
        assert!(matches!(b.unwrap_err(), ChildFailure::Crashed { .. }));
    }

    #[test]
    fn a_hang_in_the_second_stage_keeps_the_first() {
        let started = std::time::Instant::now();
        let (a, b) = staged_sh(
            &format!("echo '{STAGE_PREFIX}{{\"Ok\":7}}'; sleep 30"),
            Duration::from_millis(400),
        );
        assert_eq!(a.unwrap(), 7);
        assert!(matches!(b.unwrap_err(), ChildFailure::TimedOut { .. }));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn the_second_stage_gets_its_own_time() {
        // 0.3 s per stage: a child answering its first stage at 0.2 s and its second at 0.4 s
        // is on time, although 0.4 s is past the first stage's deadline.
        let (a, b) = staged_sh(
            &format!("sleep 0.2; echo '{STAGE_PREFIX}{{\"Ok\":1}}'; sleep 0.2; echo '{RESULT_PREFIX}{{\"Ok\":2}}'"),
            Duration::from_millis(300),
        );
        assert_eq!((a.unwrap(), b.unwrap()), (1, 2));
    }

    #[test]
    fn a_hang_before_the_first_stage_costs_only_its_time() {
        let started = std::time::Instant::now();
        let (a, b) = staged_sh("sleep 30", Duration::from_millis(300));
        assert!(matches!(a.unwrap_err(), ChildFailure::TimedOut { .. }));
        assert!(matches!(b.unwrap_err(), ChildFailure::TimedOut { .. }));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_crash_before_the_first_stage_fails_both() {
        let (a, b) = staged_sh("kill -ABRT $$", Duration::from_secs(5));
        assert!(matches!(a.unwrap_err(), ChildFailure::Crashed { .. }));
        assert!(matches!(b.unwrap_err(), ChildFailure::Crashed { .. }));
    }

    #[test]
    fn a_reported_first_stage_error_is_kept() {
        let (a, b) = staged_sh(
            &format!("echo '{STAGE_PREFIX}{{\"Err\":{{\"code\":\"x\",\"message\":\"m\"}}}}'; echo '{RESULT_PREFIX}{{\"Ok\":2}}'"),
            Duration::from_secs(5),
        );
        assert!(matches!(a.unwrap_err(), ChildFailure::Reported(e) if e.code == "x"));
        assert_eq!(b.unwrap(), 2);
    }
}
