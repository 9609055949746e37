use super::*;
use std::time::Instant;

fn sh(script: &str, timeout: Duration) -> Result<Captured, ChildFailure> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(script);
    run_with_timeout(cmd, timeout)
}

#[test]
fn reads_the_result_line_among_noise() {
    let c = sh(
        &format!("echo noise; echo '{RESULT_PREFIX}{{\"Ok\":42}}'; echo more"),
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(decode_result::<u32>(&c).unwrap(), 42);
}

#[test]
fn a_reported_error_stays_the_childs() {
    let c = sh(
        &format!(
            "echo '{RESULT_PREFIX}{{\"Err\":{{\"code\":\"not_found\",\"message\":\"no lib\"}}}}'"
        ),
        Duration::from_secs(5),
    )
    .unwrap();
    let err = decode_result::<u32>(&c).unwrap_err();
    assert_eq!(err.to_probe_error().code, "not_found");
}

#[test]
fn a_segfault_is_named() {
    let c = sh("echo dying >&2; kill -SEGV $$", Duration::from_secs(5)).unwrap();
    let err = decode_result::<u32>(&c).unwrap_err();
    assert_eq!(err.to_string(), "crashed with SIGSEGV: dying");
}

#[test]
fn exit_without_result_is_named() {
    let c = sh("exit 0", Duration::from_secs(5)).unwrap();
    let err = decode_result::<u32>(&c).unwrap_err();
    assert!(matches!(err, ChildFailure::Exited { code: 0, .. }), "{err}");
}

#[test]
fn a_hang_is_killed_at_the_deadline() {
    let started = Instant::now();
    // The grandchild `sleep` keeps stdout open: the group kill must still end the wait.
    let err = sh("sleep 30 & sleep 30", Duration::from_millis(300)).unwrap_err();
    assert!(matches!(err, ChildFailure::TimedOut { .. }));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn garbage_result_is_bad_output() {
    let c = sh(
        &format!("echo '{RESULT_PREFIX}{{nope'"),
        Duration::from_secs(5),
    )
    .unwrap();
    assert!(matches!(
        decode_result::<u32>(&c).unwrap_err(),
        ChildFailure::BadOutput(_)
    ));
}

#[test]
fn a_stop_request_ends_the_child_and_its_group() {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg("sleep 30 & sleep 30");
    let started = std::time::Instant::now();
    let stop_at = started + Duration::from_millis(200);
    let r = run_supervised(cmd, Duration::from_secs(20), &|| {
        std::time::Instant::now() >= stop_at
    });
    assert_eq!(r.unwrap_err(), ChildFailure::Stopped);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn timeout_message_names_seconds() {
    assert_eq!(
        ChildFailure::TimedOut { millis: 5000 }.to_string(),
        "timed out after 5 s"
    );
    assert_eq!(
        ChildFailure::TimedOut { millis: 300 }.to_string(),
        "timed out after 0.3 s"
    );
}
