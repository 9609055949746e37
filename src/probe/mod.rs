//! Probing: gathering facts from the machine. Side effects live here and nowhere else.
//!
//! Probe order and sources, in one place:
//! 1. host (OS, kernel, glibc), environment (container, /dev/nvidia*, variables, tools);
//! 2. the kernel module (/proc/driver/nvidia/version) and NVML (isolated child);
//! 3. libcuda's `cuInit` (isolated child);
//! 4. every CUDA-family library on disk and its version (version calls in isolated children);
//! 5. CUDA toolkits (/usr/local/cuda*, CUDA_HOME);
//! 6. ONNX Runtime installs and one session per provider (isolated; skipped by `--quick`);
//! 7. the person detector on every working provider (isolated; skipped by `--quick`).

pub mod cuda_driver;
pub mod elf;
pub mod environment;
pub mod host;
pub mod kernel_module;
pub mod libs;
pub mod nvml;
pub mod ort;
pub mod read;
pub mod security;
pub mod toolkits;

use crate::context::SystemContext;
use crate::facts::{DriverFacts, Facts, SCHEMA_VERSION};

/// Gathers every fact hwcheck knows how to learn from `ctx`. Independent probes run in parallel.
pub fn gather(ctx: &SystemContext) -> Facts {
    let mut facts = Facts {
        schema_version: SCHEMA_VERSION,
        hwcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        ..Facts::default()
    };
    std::thread::scope(|s| {
        let nvml = s.spawn(|| nvml::probe(ctx));
        let cuda = s.spawn(|| cuda_driver::probe(ctx));
        let libs = s.spawn(|| libs::probe(ctx));
        let ort = s.spawn(|| (!ctx.quick).then(|| ort::probe(ctx)));
        facts.host = host::probe(ctx);
        facts.environment = environment::probe(ctx);
        facts.toolkits = toolkits::probe(ctx);
        let kernel_module = kernel_module::probe(ctx);
        let (nvml, gpus) = nvml.join().unwrap_or_default();
        facts.driver = DriverFacts {
            nvml,
            kernel_module,
        };
        facts.gpus = gpus;
        facts.cuda_driver_api = cuda.join().unwrap_or_default();
        facts.libraries = libs.join().unwrap_or_default();
        match ort.join().unwrap_or_default() {
            Some(ort) => facts.ort = ort,
            None => facts
                .skipped
                .push("ONNX Runtime sessions and detection: skipped by --quick".to_string()),
        }
    });
    if ctx.quick {
        // already noted with the ORT skip above
    } else if ctx.options.no_detect {
        facts
            .skipped
            .push("person detection: skipped by --no-detect".to_string());
    } else {
        facts.detection = crate::detect::probe(ctx, &facts.ort);
    }
    facts.security = security::probe(ctx, &facts);
    facts
}
