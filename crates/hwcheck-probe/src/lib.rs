//! Probing: gathering facts from the machine. Side effects live here and nowhere else.
//!
//! Probe order and sources, in one place:
//! 1. host (OS, kernel, glibc), platform (WSL2, Jetson, VM, dpkg packages), environment
//!    (container, GPU device nodes and this user's access, variables, tools);
//! 2. the kernel module (/proc/driver/nvidia/version) and NVML (isolated child);
//! 3. libcuda's `cuInit` (isolated child);
//! 4. every CUDA-family library on disk and its version (version calls in isolated children);
//! 5. CUDA toolkits (/usr/local/cuda*, CUDA_HOME);
//! 6. ONNX Runtime installs and one session per provider (isolated; skipped by `--quick`);
//! 7. the person detector on every working provider (isolated; skipped by `--quick`);
//! 8. the kernel images (SASS / PTX architectures) of the CUDA libraries found in 4 and of the
//!    ORT provider and framework libraries, cached per file; runs alongside 6 (cache only
//!    under `--quick`).

// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub mod context;
pub mod cuda_driver;
pub mod detection;
pub mod elf;
pub mod environment;
pub mod host;
pub mod isolate;
pub mod kernel_module;
pub mod kernels;
pub mod libs;
pub mod listing;
pub mod nvml;
pub mod ort;
pub mod platform;
pub mod python_envs;
pub mod security;
#[cfg(test)]
pub(crate) mod testing;
pub mod toolkit_roots;
pub mod toolkits;
pub mod verify;

use crate::context::SystemContext;
use hwcheck_model::facts::detection::DetectionFacts;
use hwcheck_model::facts::ort::OrtFacts;
use hwcheck_model::facts::{DriverFacts, Facts, SCHEMA_VERSION, SKIPPED_CUINIT};
use std::collections::BTreeMap;
use std::time::Instant;

/// Every kind of child probe, for the binary to register with [`isolate::child_main`].
pub const CHILD_KINDS: &[isolate::ChildKind] = &[
    isolate::ECHO,
    isolate::ChildKind {
        name: ort::CHILD_KIND,
        run: ort::child,
    },
    isolate::ChildKind {
        name: detection::CHILD_KIND,
        run: detection::child,
    },
    isolate::ChildKind {
        name: detection::STAGED_KIND,
        run: |arg| ort::child::staged(arg, detection::child::sequel),
    },
    isolate::ChildKind {
        name: nvml::CHILD_KIND,
        run: nvml::child,
    },
    isolate::ChildKind {
        name: libs::child::CHILD_KIND,
        run: libs::child_version,
    },
    isolate::ChildKind {
        name: cuda_driver::CHILD_KIND,
        run: cuda_driver::child,
    },
];

/// Told when each probe of [`gather_observed`] starts and ends, from the thread running it (the
/// binary shows which probes are in flight). Probing does not depend on what it does.
pub trait Observer: Sync {
    /// The probe named `step` (as in `facts.probe_ms`) started.
    fn started(&self, step: &str);
    /// The probe named `step` ended.
    fn finished(&self, step: &str);
}

/// The observer that ignores everything.
impl Observer for () {
    fn started(&self, _: &str) {}
    fn finished(&self, _: &str) {}
}

/// Gathers every fact hwcheck knows how to learn from `ctx`. Independent probes run in parallel;
/// each probe's wall time is kept in `facts.probe_ms` (what made a run slow).
pub fn gather(ctx: &SystemContext) -> Facts {
    gather_observed(ctx, &())
}

/// [`gather`], telling `observer` when each probe starts and ends.
pub fn gather_observed(ctx: &SystemContext, observer: &dyn Observer) -> Facts {
    let mut facts = Facts {
        schema_version: SCHEMA_VERSION,
        hwcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        ..Facts::default()
    };
    let started = Instant::now();
    let mut ms = BTreeMap::new();
    std::thread::scope(|s| {
        let nvml = s.spawn(|| timed(observer, "nvml", || nvml::probe(ctx)));
        // cuInit initialises the whole driver stack (a few hundred ms on an H100): not --quick.
        let cuda = s.spawn(|| {
            timed(observer, "cuda_init", || {
                (!ctx.quick).then(|| cuda_driver::probe(ctx))
            })
        });
        let libs = s.spawn(|| timed(observer, "libraries", || libs::probe(ctx)));
        // Detection starts on each provider as soon as its session opened, alongside the other
        // providers' probes: the CUDA detector's cold start is most of a full run.
        let ort = s.spawn(|| {
            timed(observer, "onnxruntime", || {
                (!ctx.quick).then(|| probe_ort_and_detect(ctx))
            })
        });
        facts.host = record(
            &mut ms,
            "host",
            timed(observer, "host", || host::probe(ctx)),
        );
        facts.platform = record(
            &mut ms,
            "platform",
            timed(observer, "platform", || {
                platform::probe(ctx, facts.host.kernel.as_deref())
            }),
        );
        facts.environment = record(
            &mut ms,
            "environment",
            timed(observer, "environment", || environment::probe(ctx)),
        );
        facts.toolkits = record(
            &mut ms,
            "toolkits",
            timed(observer, "toolkits", || toolkits::probe(ctx)),
        );
        let kernel_module = record(
            &mut ms,
            "kernel_module",
            timed(observer, "kernel_module", || kernel_module::probe(ctx)),
        );
        let (nvml, gpus) = record(&mut ms, "nvml", nvml.join().unwrap_or_default());
        facts.driver = DriverFacts {
            nvml,
            kernel_module,
        };
        facts.gpus = gpus;
        match record(&mut ms, "cuda_init", cuda.join().unwrap_or_default()) {
            Some(api) => facts.cuda_driver_api = api,
            None => facts.skipped.push(SKIPPED_CUINIT.to_string()),
        }
        facts.libraries = record(&mut ms, "libraries", libs.join().unwrap_or_default());
        // The kernel-image scan needs the libraries found; it runs while ORT is probed.
        let libraries = facts.libraries.clone();
        let kernels =
            s.spawn(move || timed(observer, "kernels", || kernels::probe(ctx, &libraries)));
        match record(&mut ms, "onnxruntime", ort.join().unwrap_or_default()) {
            Some((ort, detection)) => {
                facts.ort = ort;
                facts.detection = detection.unwrap_or_default();
            }
            None => facts
                .skipped
                .push("ONNX Runtime sessions and detection: skipped by --quick".to_string()),
        }
        let scan = record(&mut ms, "kernels", kernels.join().unwrap_or_default());
        facts.kernels = scan.libraries;
        if scan.not_cached > 0 {
            facts.skipped.push(format!(
                "kernel images of {} CUDA libraries not scanned yet: skipped by --quick (a run without --quick scans and caches them)",
                scan.not_cached
            ));
        }
    });
    if !ctx.quick && !ctx.options.providers.is_empty() {
        let asked: Vec<&str> = ctx
            .options
            .providers
            .iter()
            .map(|p| p.short_name())
            .collect();
        facts.skipped.push(format!(
            "execution providers other than cpu, {}: skipped by --providers",
            asked.join(", ")
        ));
    }
    if !ctx.quick && ctx.options.no_detect {
        facts
            .skipped
            .push("person detection: skipped by --no-detect".to_string());
    }
    facts.security = record(
        &mut ms,
        "security",
        timed(observer, "security", || security::probe(ctx, &facts)),
    );
    ms.insert("total".to_string(), millis(started));
    facts.probe_ms = ms;
    facts
}

/// The ORT probe, with the detector run on each provider as soon as its session opened (unless
/// `--no-detect`); `None` for detection when it was not asked for.
fn probe_ort_and_detect(ctx: &SystemContext) -> (OrtFacts, Option<DetectionFacts>) {
    if ctx.options.no_detect {
        return (ort::probe(ctx), None);
    }
    match detection::Prepared::new(ctx) {
        Ok(prepared) => {
            let (ort, runs) = ort::probe_then(ctx, &prepared);
            (ort, Some(prepared.finish(runs)))
        }
        Err(not_run) => (ort::probe(ctx), Some(not_run)),
    }
}

/// A probe's result and its wall time in milliseconds; `observer` is told of its start and end.
fn timed<T>(observer: &dyn Observer, step: &str, probe: impl FnOnce() -> T) -> (T, f64) {
    observer.started(step);
    let started = Instant::now();
    let value = probe();
    let took = millis(started);
    observer.finished(step);
    (value, took)
}

/// Keeps a probe's time under `name` and returns its result.
fn record<T>(ms: &mut BTreeMap<String, f64>, name: &str, (value, took): (T, f64)) -> T {
    ms.insert(name.to_string(), took);
    value
}

fn millis(since: Instant) -> f64 {
    (since.elapsed().as_secs_f64() * 1e4).round() / 10.0
}
