//! Jetson / L4T rules: the L4T release names the JetPack and its CUDA, cuDNN and TensorRT
//! (jetson.toml); the GPU's compute capability comes from libcuda (no NVML), else from the
//! module's row; CUDA newer than the JetPack's needs the CUDA upgradable package (from JetPack
//! 5.0.2); traps: x86-64 builds, a server (SBSA) CUDA toolkit before JetPack 7, onnxruntime-gpu
//! from PyPI (no JetPack build there).

use super::stack;
use hwcheck_compat::jetson::L4tRow;
use hwcheck_compat::Tables;
use hwcheck_model::check::{Check, CheckKind};
use hwcheck_model::facts::platform::JetsonFacts;
use hwcheck_model::facts::{Component, Facts};
use hwcheck_model::version::DottedVersion;

const JETSON: CheckKind = CheckKind::PlatformJetson;
/// ONNX Runtime maintainers: no onnxruntime-gpu for Jetson on PyPI.
const ORT_NO_PYPI: &str = "https://github.com/microsoft/onnxruntime/issues/20503";
/// The first L4T major of JetPack 7, whose CUDA is the Arm-server (SBSA) one.
const SBSA_L4T_MAJOR: u32 = 38;

/// One failure: summary, fix, source.
type Finding = (String, String, Option<String>);

/// Judges a Jetson.
pub fn judge(facts: &Facts, tables: &Tables) -> Check {
    let Some(jetson) = facts.platform.jetson.as_ref() else {
        return Check::skip(JETSON, "not a Jetson");
    };
    let evidence = jetson.evidence.iter().map(|e| format!("Jetson: {e}"));
    let Some(l4t) = jetson.l4t.as_ref() else {
        let check = Check::warn(
            JETSON,
            "a Jetson, but its L4T release is unknown: its CUDA, cuDNN and TensorRT cannot be told",
        )
        .with_fix("Run `cat /etc/nv_tegra_release` and `dpkg-query --show nvidia-l4t-core` to see the release.");
        return evidence.fold(check, Check::with_evidence);
    };
    let row = tables.jetson.release(l4t);
    let stack_row = tables.jetson.release_with_cuda(l4t);
    let jetpack = row.map_or("?".to_string(), |r| r.jetpack.clone());
    let mut found: Vec<Finding> = Vec::new();
    found.extend(x86_builds(facts, &jetpack));
    found.extend(sbsa_toolkit(facts, l4t, &jetpack));
    found.extend(pypi_ort(facts, tables, &jetpack));
    found.extend(newer_cuda(facts, tables, l4t, stack_row));
    if stack::libs(facts, Component::Libcuda).next().is_none() && facts.cuda_driver_api.is_none() {
        found.push((
            "no libcuda on this Jetson: no CUDA program can start".to_string(),
            "Reinstall JetPack's CUDA driver (`sudo apt install --reinstall nvidia-jetpack`) or \
             reflash the board with SDK Manager."
                .to_string(),
            None,
        ));
    }
    let check = match found.first() {
        Some((summary, fix, source)) => {
            let c = Check::fail(JETSON, summary.clone()).with_fix(fix.clone());
            let c = found[1..]
                .iter()
                .fold(c, |c, (s, _, _)| c.with_evidence(format!("also: {s}")));
            match source {
                Some(s) => c.with_source(s),
                None => c,
            }
        }
        None => Check::pass(
            JETSON,
            healthy_summary(facts, tables, jetson, l4t, row, stack_row),
        ),
    };
    let check = evidence.fold(check, Check::with_evidence);
    let check = match row.and_then(|r| r.note.as_deref()) {
        Some(note) => check.with_evidence(format!("jetson.toml L4T {l4t}: {note}")),
        None => check.with_evidence(format!(
            "L4T {l4t} is not in jetson.toml: a newer release than the table knows"
        )),
    };
    [row, stack_row]
        .into_iter()
        .flatten()
        .fold(check, |c, r| c.with_source(&r.source))
}

fn healthy_summary(
    facts: &Facts,
    tables: &Tables,
    jetson: &JetsonFacts,
    l4t: &DottedVersion,
    row: Option<&L4tRow>,
    stack_row: Option<&L4tRow>,
) -> String {
    let model = jetson.model.as_deref().unwrap_or("Jetson");
    let release = match (row, stack_row) {
        (Some(r), Some(s)) if r.cuda.is_none() && s.l4t != r.l4t => format!(
            "JetPack {}, whose compute stack jetson.toml does not state; L4T {} before it has {}",
            r.jetpack,
            s.l4t,
            s.describe()
        ),
        (Some(r), _) => r.describe(),
        (None, _) => "a release jetson.toml does not know".to_string(),
    };
    let cc = match gpu_cc(facts, tables, jetson) {
        Some((cc, from)) => format!("; GPU compute capability {cc} ({from})"),
        None => "; GPU compute capability unknown (cuInit did not run and the model is not in jetson.toml)".to_string(),
    };
    format!("{model}: L4T {l4t} = {release}{cc}")
}

/// The GPU's compute capability: from libcuda (cuDeviceGetAttribute), else the module's row.
fn gpu_cc(facts: &Facts, tables: &Tables, jetson: &JetsonFacts) -> Option<(DottedVersion, String)> {
    let from_cuda = facts
        .cuda_driver_api
        .as_ref()
        .and_then(|a| a.devices.iter().find_map(|d| d.compute_capability.clone()));
    if let Some(cc) = from_cuda {
        return Some((cc, "from libcuda".to_string()));
    }
    let module = tables.jetson.module(jetson.model.as_deref()?)?;
    let unconfirmed = if module.unconfirmed {
        ", unconfirmed"
    } else {
        ""
    };
    let label = module
        .cc_before_cuda13
        .as_ref()
        .map_or(String::new(), |b| format!("; {b} under CUDA <= 12.9"));
    Some((
        module.cc.clone(),
        format!("jetson.toml, from the board model{unconfirmed}{label}"),
    ))
}

/// x86-64 libraries, ONNX Runtime builds, wheels or toolkits on an Arm Jetson.
fn x86_builds(facts: &Facts, jetpack: &str) -> Option<Finding> {
    let x86 = |m: &Option<String>| m.as_deref() == Some("x86-64");
    let mut paths: Vec<String> = facts
        .libraries
        .iter()
        .filter(|l| x86(&l.machine))
        .map(|l| l.path.clone())
        .collect();
    paths.extend(
        facts
            .ort
            .installs
            .iter()
            .filter(|i| x86(&i.machine) || i.wheel_tags.iter().any(|t| t.contains("x86_64")))
            .map(|i| i.path.clone()),
    );
    paths.extend(
        facts
            .toolkits
            .iter()
            .filter(|t| t.targets.iter().any(|t| t.starts_with("x86_64")))
            .map(|t| t.root.clone()),
    );
    (!paths.is_empty()).then(|| {
        (
            format!(
                "x86-64 builds on this Arm Jetson cannot load: {}",
                stack::join_list(&paths)
            ),
            format!(
                "Install the aarch64 builds for JetPack {jetpack}: CUDA, cuDNN and TensorRT come with \
                 JetPack (`sudo apt install nvidia-jetpack`); Python packages need aarch64 wheels \
                 built for JetPack, not a copy of an x86 environment or an amd64 container image."
            ),
            None,
        )
    })
}

/// A server (SBSA) CUDA toolkit on JetPack 6 or older.
fn sbsa_toolkit(facts: &Facts, l4t: &DottedVersion, jetpack: &str) -> Option<Finding> {
    if l4t.major() >= SBSA_L4T_MAJOR {
        return None;
    }
    let roots: Vec<String> = facts
        .toolkits
        .iter()
        .filter(|t| t.targets.iter().any(|t| t == "sbsa-linux"))
        .map(|t| t.root.clone())
        .collect();
    (!roots.is_empty()).then(|| {
        (
            format!(
                "an Arm-server (SBSA) CUDA toolkit on JetPack {jetpack}: {} is built for Grace-class servers, not this Jetson's integrated GPU",
                stack::join_list(&roots)
            ),
            "Remove it and install CUDA from the JetPack repository (`sudo apt install \
             nvidia-jetpack`, or the cuda-toolkit-X-Y of NVIDIA's Jetson repository); the SBSA \
             toolkit is for Arm servers, and for Jetson only from JetPack 7 (Thor)."
                .to_string(),
            Some("https://developer.nvidia.com/embedded/jetpack/downloads/archive-7.0.md".to_string()),
        )
    })
}

/// onnxruntime-gpu installed from a package index (a manylinux wheel): not built for JetPack.
fn pypi_ort(facts: &Facts, tables: &Tables, jetpack: &str) -> Option<Finding> {
    let install = facts.ort.installs.iter().find(|i| {
        i.python_packages
            .iter()
            .any(|p| p.starts_with("onnxruntime-gpu "))
            && i.wheel_tags.iter().any(|t| t.contains("manylinux"))
    })?;
    let wheels: Vec<String> = tables
        .jetson
        .ort_wheels
        .iter()
        .filter(|w| w.jetpack == jetpack)
        .map(|w| {
            let unconfirmed = if w.unconfirmed { ", unconfirmed" } else { "" };
            format!(
                "onnxruntime-gpu {} (Python {}{unconfirmed})",
                w.onnxruntime,
                w.python.join("/")
            )
        })
        .collect();
    let known = if wheels.is_empty() {
        String::new()
    } else {
        format!(
            " jetson.toml lists for JetPack {jetpack}: {}.",
            wheels.join(", ")
        )
    };
    Some((
        format!(
            "{} at {} is a package-index (manylinux) build: PyPI has no onnxruntime-gpu built for JetPack",
            install.python_packages.join(", "),
            install.path
        ),
        format!(
            "`pip uninstall onnxruntime-gpu`, then install the Jetson build for JetPack {jetpack} \
             from the Jetson Zoo (elinux.org/Jetson_Zoo).{known}"
        ),
        Some(ORT_NO_PYPI.to_string()),
    ))
}

/// A CUDA runtime newer than the JetPack's own CUDA without the upgradable package.
fn newer_cuda(
    facts: &Facts,
    tables: &Tables,
    l4t: &DottedVersion,
    stack_row: Option<&L4tRow>,
) -> Option<Finding> {
    let row = stack_row?;
    let own = row.cuda.as_ref()?;
    let newer = stack::cuda_runtimes(facts).into_iter().find(|rt| {
        let v = &rt.version;
        v.major() > own.major()
            || (v.parts().len() > 1 && v.major() == own.major() && v.minor() > own.minor())
    })?;
    let unconfirmed = if row.unconfirmed {
        " (jetson.toml row unconfirmed: from a secondary source)"
    } else {
        ""
    };
    let head = format!(
        "{} is newer than JetPack {}'s CUDA {own}{unconfirmed}",
        newer.describe(),
        row.jetpack
    );
    let compat = stack::libs(facts, Component::Libcuda).any(stack::is_compat)
        || facts
            .toolkits
            .iter()
            .any(|t| t.compat_libcuda_version.is_some())
        || facts
            .platform
            .packages
            .iter()
            .any(|p| p.name.starts_with("cuda-compat"));
    match tables.jetson.upgrade(l4t) {
        None => Some((
            format!("{head}: CUDA cannot be upgraded on this JetPack"),
            format!(
                "Use builds for CUDA {own} (the JetPack's), or move to a JetPack that allows CUDA \
                 upgrades (from JetPack 5.0.2, L4T 35.1)."
            ),
            tables.jetson.upgrades.first().map(|u| u.source.clone()),
        )),
        Some(_) if compat => None,
        Some(u) => Some((
            format!("{head} and no cuda-compat package is installed"),
            format!("{}, or use builds for CUDA {own}.", u.how),
            Some(u.source.clone()),
        )),
    }
}

#[cfg(test)]
mod tests;
