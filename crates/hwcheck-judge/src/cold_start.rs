//! `ort.cold_start.<provider>`: how much longer the first inference takes than the next ones,
//! per GPU provider and ONNX Runtime install, for people who serve models (the first request
//! after a server starts pays it).
//!
//! Timings come from the person detector when it ran on that provider (a real model), else
//! from the provider probe's tiny model. A first inference over [`RATIO`] times the steady
//! state and at least [`MIN_EXTRA_MS`] slower is a WARN with warm-up advice; anything else is a
//! PASS that states the numbers.

use crate::stack::loader_pick;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckId, CheckKind, Install};
use hwcheck_model::facts::ort::{OrtInstall, Provider, ProviderProbe};
use hwcheck_model::facts::{Component, Facts};
use hwcheck_model::version::DottedVersion;

const ID: CheckKind = CheckKind::OrtColdStart;
/// First inference over this many times the steady state counts as a cold start...
pub const RATIO: f64 = 20.0;
/// ...when it also costs at least this many milliseconds more.
pub const MIN_EXTRA_MS: f64 = 500.0;
/// ONNX Runtime CUDA provider options (`cudnn_conv_algo_search`).
pub const ORT_CUDA_EP: &str =
    "https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html";
/// ONNX Runtime TensorRT provider options (engine and timing caches).
pub const ORT_TENSORRT_EP: &str =
    "https://onnxruntime.ai/docs/execution-providers/TensorRT-ExecutionProvider.html";

/// cuDNN 9.10 and later compile some convolution engines at their first use (depthwise
/// convolutions: ~1.5 s of cold start reported, ~0.2 s per depthwise node measured on the H200
/// with cuDNN 9.14); reported by users, not in NVIDIA's documentation.
pub const CUDNN_RTC_REPORT: &str = "https://github.com/NVIDIA/cudnn-frontend/issues/1066";
/// PyTorch disables cuDNN's runtime-compiled engines by default for this cost.
pub const TORCH_RTC_OFF: &str = "https://github.com/pytorch/pytorch/pull/170340";

/// One provider's start-up timings and what they were measured on.
#[derive(Clone, Debug, PartialEq)]
struct Timing {
    source: &'static str,
    session_ms: Option<f64>,
    first_ms: f64,
    steady_ms: f64,
    runs: u32,
    /// The model ran was a variant of the bundled detector (its depthwise convolutions rewritten).
    variant: bool,
}

/// One row per non-CPU provider that ran a session, per install.
pub fn judge(facts: &Facts, _tables: &Tables) -> Vec<Check> {
    let mut checks = Vec::new();
    for (index, install) in facts.ort.installs.iter().enumerate() {
        let at = Install::at(index, install.is_reference);
        for probe in install
            .providers
            .iter()
            .filter(|p| p.provider != Provider::Cpu && p.session_ok)
        {
            let timing =
                detection_timing(facts, install, probe.provider).or_else(|| probe_timing(probe));
            if let Some(t) = timing {
                checks.push(row(install, probe.provider, &t, at, rtc_cudnn(facts)));
            }
        }
    }
    checks
}

/// The detector's timings on `provider` of `install`, when it ran there.
fn detection_timing(facts: &Facts, install: &OrtInstall, provider: Provider) -> Option<Timing> {
    let run = facts.detection.runs.iter().find(|r| {
        r.provider == provider
            && (r.library == install.path || install.real_path.as_deref() == Some(&r.library))
    })?;
    let t = run.timings.as_ref()?;
    Some(Timing {
        source: "the person detector",
        session_ms: Some(t.session_ms),
        first_ms: t.first_inference_ms,
        steady_ms: t.median_ms?,
        runs: t.runs,
        variant: run.variant.is_some(),
    })
}

/// The provider probe's timings (its small built-in model).
fn probe_timing(probe: &ProviderProbe) -> Option<Timing> {
    Some(Timing {
        source: "the probe model",
        session_ms: probe.session_ms,
        first_ms: probe.first_run_ms?,
        steady_ms: probe.steady_ms?,
        runs: probe.steady_runs,
        variant: false,
    })
}

/// True when the first inference is a cold start worth a warning.
fn is_cold(t: &Timing) -> bool {
    let finite = t.first_ms.is_finite() && t.steady_ms.is_finite();
    finite && t.first_ms - t.steady_ms >= MIN_EXTRA_MS && t.first_ms > RATIO * t.steady_ms
}

fn row(
    install: &OrtInstall,
    provider: Provider,
    t: &Timing,
    at: Install,
    rtc_cudnn: Option<&DottedVersion>,
) -> Check {
    let id = CheckId::provider(ID, provider, at);
    let label = provider.label();
    let version = install.version.as_deref().unwrap_or("(version unknown)");
    let mut check = if is_cold(t) {
        let ratio = (t.first_ms / t.steady_ms).min(1e6);
        Check::warn(
            id,
            format!(
                "{label}: the first inference after start-up takes {:.0} ms on this box, then {:.1} ms per run ({ratio:.0}x, {}): the first request after a server starts pays it",
                t.first_ms, t.steady_ms, t.source
            ),
        )
        .with_fix(advice(provider, rtc_cudnn))
    } else {
        Check::pass(
            id,
            format!(
                "{label}: first inference {:.0} ms, then {:.1} ms per run ({})",
                t.first_ms, t.steady_ms, t.source
            ),
        )
    };
    if let Some(session) = t.session_ms {
        check = check.with_evidence(format!("session creation: {session:.0} ms"));
    }
    check = check
        .with_evidence(format!(
            "first inference {:.1} ms; steady state {:.2} ms (median of {} runs)",
            t.first_ms, t.steady_ms, t.runs
        ))
        .with_evidence(format!("ONNX Runtime {version}: {}", install.path));
    if let (true, Provider::Cuda, Some(v)) = (is_cold(t), provider, rtc_cudnn) {
        check = check
            .with_evidence(format!(
                "cuDNN {v} is the loader's pick (runtime-compiled engines)"
            ))
            .with_source(CUDNN_RTC_REPORT)
            .with_source(TORCH_RTC_OFF);
    } else if let (true, Provider::Cuda, Some(v)) = (t.variant, provider, rtc_cudnn) {
        check = check
            .with_evidence(format!(
                "measured on the detector with its depthwise convolutions rewritten: with cuDNN {v} \
                 (9.10 or later) a model of yours with depthwise convolutions may take seconds \
                 more on its first run, ~0.2 s per depthwise layer measured on an H200 \
                 (reported, not documented by NVIDIA: unconfirmed)"
            ))
            .with_source(CUDNN_RTC_REPORT)
            .with_source(TORCH_RTC_OFF);
    }
    match provider {
        Provider::Cuda => check.with_source(ORT_CUDA_EP),
        Provider::Tensorrt => check.with_source(ORT_TENSORRT_EP),
        _ => check,
    }
}

/// The cuDNN the loader picks, when it is 9.10 or later (it compiles some engines at first use).
fn rtc_cudnn(facts: &Facts) -> Option<&DottedVersion> {
    let first_rtc = DottedVersion::parse("9.10").ok()?;
    loader_pick(facts, Component::Cudnn, false)
        .and_then(|l| l.version.as_ref())
        .filter(|v| **v >= first_rtc)
}

/// What to do about a cold start on `provider` (`rtc_cudnn`: the cuDNN in use compiles engines).
fn advice(provider: Provider, rtc_cudnn: Option<&DottedVersion>) -> String {
    let warm =
        "Warm the session up at start-up: run one inference on input of the real shape before \
                taking traffic (and before a readiness check reports ready).";
    match provider {
        Provider::Cuda => format!(
            "{warm} The CUDA provider searches cuDNN convolution algorithms at the first run \
             (`cudnn_conv_algo_search`, EXHAUSTIVE by default): HEURISTIC searches less and DEFAULT \
             not at all, but measure the steady state after changing it, since DEFAULT can be \
             much slower per run.{}",
            rtc_cudnn.map_or_else(String::new, |v| format!(
                " cuDNN {v} (9.10 or later) also compiles some convolution engines at their first \
                 use, depthwise convolutions among them (reported, not documented by NVIDIA: \
                 about 0.2 s per depthwise layer on an H200); a cuDNN before 9.10 does not, so \
                 if start-up matters more than the newest kernels, pin one (unconfirmed)."
            ))
        ),
        Provider::Tensorrt => format!(
            "{warm} Enable TensorRT's engine and timing caches (`trt_engine_cache_enable`, \
             `trt_timing_cache_enable`) so later start-ups reuse what the first one built."
        ),
        _ => warm.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{tables, FactsBuilder};
    use hwcheck_model::check::Status;
    use hwcheck_model::facts::detection::{ProviderRun, Timings};

    const LIB: &str =
        "/opt/app/.venv/lib/python3.12/site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1";

    fn probe(provider: Provider, first: f64, steady: f64) -> ProviderProbe {
        ProviderProbe {
            session_ok: true,
            session_ms: Some(441.0),
            first_run_ms: Some(first),
            steady_ms: Some(steady),
            steady_runs: 5,
            ..ProviderProbe::new(provider, true)
        }
    }

    fn facts(probes: Vec<ProviderProbe>, runs: Vec<ProviderRun>) -> Facts {
        let mut f = FactsBuilder::h100().build();
        f.ort.installs.push(OrtInstall {
            path: LIB.to_string(),
            version: Some("1.31.1".to_string()),
            providers: probes,
            ..OrtInstall::default()
        });
        f.detection.runs = runs;
        f
    }

    fn detection(provider: Provider, first: f64, median: Option<f64>) -> ProviderRun {
        ProviderRun {
            library: LIB.to_string(),
            ort_version: Some("1.31.1".to_string()),
            provider,
            input: None,
            layout: None,
            variant: None,
            images: Vec::new(),
            timings: Some(Timings {
                session_ms: 441.0,
                first_inference_ms: first,
                median_ms: median,
                p95_ms: None,
                runs: 10,
                pipeline_median_ms: None,
            }),
            error: None,
        }
    }

    #[test]
    fn the_h200_detector_cold_start_warns_with_warm_up_advice() {
        // The H200 measurement of issue 14: first inference 3452 ms, then 5.0 ms.
        let f = facts(
            vec![
                probe(Provider::Cpu, 30.0, 1.0),
                probe(Provider::Cuda, 380.0, 0.2),
            ],
            vec![detection(Provider::Cuda, 3452.0, Some(5.0))],
        );
        let checks = judge(&f, &tables());
        assert_eq!(checks.len(), 1, "no row for the CPU: {checks:#?}");
        let c = &checks[0];
        assert_eq!(c.id.to_string(), "ort.cold_start.cuda");
        assert_eq!(c.status, Status::Warn);
        assert!(
            c.summary.contains(
                "takes 3452 ms on this box, then 5.0 ms per run (690x, the person detector)"
            ),
            "{}",
            c.summary
        );
        let fix = c.fix.as_deref().unwrap();
        assert!(fix.contains("Warm the session up") && fix.contains("cudnn_conv_algo_search"));
        assert!(c.sources.iter().any(|s| s == ORT_CUDA_EP));
        assert!(c.evidence.iter().any(|e| e == "session creation: 441 ms"));
    }

    /// Library facts where the loader picks cuDNN 9.14 (which compiles engines at first use).
    fn cudnn_9_14() -> Vec<hwcheck_model::facts::LibraryFacts> {
        crate::testkit::FactsBuilder::cpu_only()
            .picked(
                Component::Cudnn,
                "/usr/lib/x86_64-linux-gnu/libcudnn.so.9",
                "9.14.0",
            )
            .build()
            .libraries
    }

    #[test]
    fn a_fast_rewritten_detector_still_names_the_depthwise_cost_of_the_users_models() {
        let mut run = detection(Provider::Cuda, 290.0, Some(9.9));
        run.variant = Some("depthwise convolutions rewritten".into());
        let mut f = facts(vec![probe(Provider::Cuda, 380.0, 0.2)], vec![run.clone()]);
        f.libraries = cudnn_9_14();
        let c = judge(&f, &tables()).remove(0);
        assert_eq!(c.status, Status::Pass);
        let note = c.evidence.iter().find(|e| e.contains("depthwise")).unwrap();
        assert!(
            note.contains("cuDNN 9.14.0") && note.contains("unconfirmed"),
            "{note}"
        );
        assert!(c.sources.iter().any(|s| s == CUDNN_RTC_REPORT));
        // The bundled model as it is, or a cuDNN before 9.10: no such note.
        let mut plain = facts(
            vec![probe(Provider::Cuda, 380.0, 0.2)],
            vec![detection(Provider::Cuda, 290.0, Some(9.9))],
        );
        plain.libraries = cudnn_9_14();
        let c = judge(&plain, &tables()).remove(0);
        assert!(c.evidence.iter().all(|e| !e.contains("depthwise")), "{c:?}");
    }

    #[test]
    fn a_cudnn_that_compiles_engines_is_named_with_its_reports() {
        let mut f = facts(
            vec![probe(Provider::Cuda, 380.0, 0.2)],
            vec![detection(Provider::Cuda, 3845.0, Some(3.8))],
        );
        f.libraries = cudnn_9_14();
        let c = judge(&f, &tables()).remove(0);
        let fix = c.fix.as_deref().unwrap();
        assert!(fix.contains("cuDNN 9.14.0 (9.10 or later)"), "{fix}");
        assert!(fix.contains("(unconfirmed)"), "{fix}");
        assert!(c.sources.iter().any(|s| s == CUDNN_RTC_REPORT));
        let older = crate::testkit::FactsBuilder::cpu_only()
            .picked(
                Component::Cudnn,
                "/usr/lib/x86_64-linux-gnu/libcudnn.so.9",
                "9.9.0",
            )
            .build();
        f.libraries = older.libraries;
        let c = judge(&f, &tables()).remove(0);
        assert!(!c.sources.iter().any(|s| s == CUDNN_RTC_REPORT));
    }

    #[test]
    fn the_probe_model_is_used_when_detection_did_not_run() {
        let f = facts(vec![probe(Provider::Cuda, 380.0, 0.2)], Vec::new());
        let c = &judge(&f, &tables())[0];
        // 1900x but only 380 ms: not worth a warning.
        assert_eq!(c.status, Status::Pass);
        assert!(c
            .summary
            .contains("first inference 380 ms, then 0.2 ms per run (the probe model)"));
        let f = facts(vec![probe(Provider::Tensorrt, 900.0, 2.0)], Vec::new());
        let c = &judge(&f, &tables())[0];
        assert_eq!(c.status, Status::Warn);
        assert_eq!(c.id.to_string(), "ort.cold_start.tensorrt");
        assert!(c
            .fix
            .as_deref()
            .unwrap()
            .contains("trt_engine_cache_enable"));
        // A detection run without a steady median falls back to the probe too.
        let f = facts(
            vec![probe(Provider::Cuda, 20.0, 1.0)],
            vec![detection(Provider::Cuda, 3000.0, None)],
        );
        assert_eq!(judge(&f, &tables())[0].status, Status::Pass);
    }

    #[test]
    fn both_thresholds_must_be_crossed() {
        let t = |first: f64, steady: f64| Timing {
            source: "x",
            session_ms: None,
            first_ms: first,
            steady_ms: steady,
            runs: 5,
            variant: false,
        };
        assert!(is_cold(&t(3452.0, 5.0)));
        assert!(!is_cold(&t(499.0, 0.1)), "fast enough in absolute terms");
        assert!(!is_cold(&t(2000.0, 150.0)), "under 20x");
        assert!(is_cold(&t(600.0, 0.0)));
        assert!(!is_cold(&t(f64::NAN, 1.0)));
        assert!(!is_cold(&t(f64::INFINITY, 1.0)));
    }

    #[test]
    fn failed_sessions_and_second_installs() {
        let mut failed = probe(Provider::Cuda, 5000.0, 1.0);
        failed.session_ok = false;
        let mut f = facts(vec![failed], Vec::new());
        assert!(judge(&f, &tables()).is_empty());
        f.ort.installs.push(OrtInstall {
            path: "/usr/local/lib/libonnxruntime.so.1.22.0".to_string(),
            providers: vec![probe(Provider::Cuda, 10.0, 1.0)],
            ..OrtInstall::default()
        });
        let c = &judge(&f, &tables())[0];
        assert_eq!(c.id.to_string(), "ort.cold_start.cuda.install2");
        assert!(c.evidence.iter().any(|e| e.contains("(version unknown)")));
    }
}
