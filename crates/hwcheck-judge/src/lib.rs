//! Judging: pure functions from facts and tables to checks. No I/O here.

// No panics on outside data by construction: tests may unwrap, shipped code may not.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
#![warn(missing_docs)]

pub mod causes;
pub mod cold_start;
pub mod cuda;
pub mod cudnn;
pub mod cuinit;
pub mod detection;
pub mod devices;
pub mod driver;
pub mod environment;
pub mod explain;
pub mod gpu;
pub mod jetson;
pub mod kernels;
pub mod kind;
pub mod libraries;
pub mod load_problems;
pub mod ort;
pub mod plan;
pub mod plan_image;
pub mod plan_ngc;
pub mod plan_rules;
pub mod plan_types;
pub mod remedies;
pub mod require;
pub mod requirements;
pub mod security;
pub mod stack;
pub mod tensorrt;
#[cfg(test)]
pub mod testkit;
pub mod wsl;

use hwcheck_compat::Tables;
use hwcheck_model::check::Check;
use hwcheck_model::facts::Facts;

/// Judges every area and returns all checks (unsorted; [`hwcheck_model::check::Report`] sorts),
/// with the environment changes that should fix them ([`remedies`]).
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(driver::judge(facts, tables));
    checks.extend(gpu::judge(facts, tables));
    checks.extend(cuda::judge(facts, tables));
    checks.extend(cudnn::judge(facts, tables));
    checks.extend(tensorrt::judge(facts, tables));
    checks.extend(libraries::judge(facts, tables));
    checks.extend(load_problems::judge(facts, tables));
    checks.extend(kernels::judge(facts, tables));
    checks.extend(environment::judge(facts, tables));
    checks.push(kind::judge(facts));
    checks.push(devices::judge(facts));
    checks.push(wsl::judge(facts, tables));
    checks.push(jetson::judge(facts, tables));
    checks.extend(ort::judge(facts, tables));
    checks.extend(cold_start::judge(facts, tables));
    checks.extend(detection::judge(facts, tables));
    checks.extend(security::judge(facts, tables));
    remedies::propose(facts, &mut checks);
    causes::link(&mut checks);
    checks
}
