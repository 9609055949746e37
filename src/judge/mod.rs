//! Judging: pure functions from facts and tables to checks. No I/O here.

pub mod cuda;
pub mod cudnn;
pub mod detection;
pub mod driver;
pub mod environment;
pub mod gpu;
pub mod libraries;
pub mod load_problems;
pub mod ort;
pub mod requirements;
pub mod security;
pub mod stack;
pub mod tensorrt;
#[cfg(test)]
pub mod testkit;

use crate::check::Check;
use crate::compat::Tables;
use crate::facts::Facts;

/// Judges every area and returns all checks (unsorted; [`crate::check::Report`] sorts).
pub fn judge(facts: &Facts, tables: &Tables) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.extend(driver::judge(facts, tables));
    checks.extend(gpu::judge(facts, tables));
    checks.extend(cuda::judge(facts, tables));
    checks.extend(cudnn::judge(facts, tables));
    checks.extend(tensorrt::judge(facts, tables));
    checks.extend(libraries::judge(facts, tables));
    checks.extend(load_problems::judge(facts, tables));
    checks.extend(environment::judge(facts, tables));
    checks.extend(ort::judge(facts, tables));
    checks.extend(detection::judge(facts, tables));
    checks.extend(security::judge(facts, tables));
    checks
}
