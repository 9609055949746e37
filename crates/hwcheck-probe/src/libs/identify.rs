//! The best known version of each library copy: its own version call (dlopen in isolated
//! children, a few at a time), else its real file name, else a version file or header beside it,
//! else the major of its soname.

use super::child::{probe_for, VersionArg};
use super::names::{file_name_version, soname_major};
use super::pip::PipVersions;
use super::scan::LibCopy;
use super::version::{
    call_for, decode, implausible, parse_cudnn_header, parse_tensorrt_header, version_json_key,
};
use crate::context::SystemContext;
use crate::toolkit_roots;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Component, ProbeError, VersionSource};
use hwcheck_model::parallel::map_in_order;
use hwcheck_model::read::small_text;
use hwcheck_model::version::DottedVersion;
use std::path::{Path, PathBuf};

/// Most version children running at once.
pub const PARALLEL_CHILDREN: usize = 6;

/// A copy's version, how it was learned, and what went wrong while asking the library.
#[derive(Clone, Debug, Default)]
pub struct Identified {
    /// Best known version.
    pub version: Option<DottedVersion>,
    /// How it was learned.
    pub source: Option<VersionSource>,
    /// A failed or absurd version call.
    pub problem: Option<ProbeError>,
}

/// Identifies every copy, in order. Copies with a problem are never loaded; each distinct real
/// file with a version call is loaded once, in its own child. Under `--quick`, a copy whose
/// real file name already carries a full version (libcublasLt.so.13.1.0.3) is not loaded:
/// mapping a 500 MB library costs more than the name is worth doubting.
pub fn identify(ctx: &SystemContext, copies: &[LibCopy]) -> Vec<Identified> {
    let includes = system_includes(ctx);
    let mut pip = PipVersions::default();
    let mut out: Vec<Identified> = copies
        .iter()
        .map(|c| fallback(c, &includes, &mut pip))
        .collect();
    let mut jobs: Vec<(PathBuf, Component)> = Vec::new();
    let worth_loading = |(copy, known): &(&LibCopy, &Identified)| {
        copy.problem().is_none() && !(ctx.quick && named_in_full(known))
    };
    for (copy, _) in copies.iter().zip(out.iter()).filter(worth_loading) {
        if let (Some(real), Some(_)) = (&copy.real, call_for(copy.name.component)) {
            if !jobs.iter().any(|(p, _)| p == real) {
                jobs.push((real.clone(), copy.name.component));
            }
        }
    }
    let results = map_in_order(&jobs, PARALLEL_CHILDREN, |(path, component)| {
        let arg = VersionArg {
            path: path.display().to_string(),
            component: *component,
        };
        probe_for(&arg, ctx.timeout).run::<Vec<i64>>()
    });
    for (copy, slot) in copies.iter().zip(out.iter_mut()) {
        let Some(i) = jobs.iter().position(|(p, _)| Some(p) == copy.real.as_ref()) else {
            continue;
        };
        let Some((_, packing)) = call_for(copy.name.component) else {
            continue;
        };
        match results.get(i) {
            Some(Ok(raw)) => {
                let name_major = soname_major(copy.name.component, copy.soname());
                let decoded = decode(packing, raw);
                let why = match &decoded {
                    Some(v) => implausible(copy.name.component, v, name_major),
                    None => Some(format!("reported the raw version {raw:?}")),
                };
                match (decoded, why) {
                    (Some(v), None) => {
                        slot.version = Some(v);
                        slot.source = Some(VersionSource::LibraryCall);
                    }
                    (_, why) => {
                        slot.problem = Some(ProbeError::new(
                            Code::AbsurdVersion,
                            why.unwrap_or_default(),
                        ))
                    }
                }
            }
            Some(Err(failure)) => slot.problem = Some(failure.to_probe_error()),
            None => {}
        }
    }
    out
}

/// True when the file name or the pip wheel gave a version of three or more parts.
fn named_in_full(known: &Identified) -> bool {
    matches!(
        known.source,
        Some(VersionSource::FileName | VersionSource::PackageMetadata)
    ) && known.version.as_ref().is_some_and(|v| v.parts().len() >= 3)
}

/// The version known without loading the library: the real file name, the pip wheel that
/// installed it, a version file or header, else the soname's major.
fn fallback(copy: &LibCopy, includes: &[PathBuf], pip: &mut PipVersions) -> Identified {
    let component = copy.name.component;
    let real_name = copy
        .real
        .as_ref()
        .and_then(|r| r.file_name())
        .map(|n| n.to_string_lossy().into_owned());
    let major = soname_major(component, copy.soname());
    let found = real_name
        .and_then(|n| file_name_version(component, &n))
        .map(|v| (v, VersionSource::FileName))
        .or_else(|| {
            let real = copy.real.as_deref()?;
            pip.version_of(real)
                .filter(|v| major.is_none_or(|m| m == v.major()))
                .map(|v| (v, VersionSource::PackageMetadata))
        })
        .or_else(|| {
            nearby_version(component, &copy.path, includes)
                .filter(|(v, _)| major.is_none_or(|m| m == v.major()))
        })
        .or_else(|| major.map(|m| (DottedVersion::from_parts(&[m]), VersionSource::Soname)));
    Identified {
        version: found.as_ref().map(|(v, _)| v.clone()),
        source: found.map(|(_, s)| s),
        problem: None,
    }
}

/// Reads a version out of a header's text.
type HeaderParser = fn(&str) -> Option<DottedVersion>;

/// The system header directories (/usr/include and its multiarch directory), inside the root.
fn system_includes(ctx: &SystemContext) -> Vec<PathBuf> {
    let multiarch = if cfg!(target_arch = "aarch64") {
        "/usr/include/aarch64-linux-gnu"
    } else {
        "/usr/include/x86_64-linux-gnu"
    };
    vec![ctx.path("/usr/include"), ctx.path(multiarch)]
}

/// A version file or header that versions the copy at `path`: the toolkit's version.json for
/// toolkit libraries, cudnn_version.h / NvInferVersion.h in `../include`, then `includes`.
fn nearby_version(
    component: Component,
    path: &Path,
    includes: &[PathBuf],
) -> Option<(DottedVersion, VersionSource)> {
    let dir = path.parent()?;
    if let Some(key) = version_json_key(component) {
        return toolkit_roots::component_version(dir, key).map(|v| (v, VersionSource::VersionFile));
    }
    let (headers, parse): (&[&str], HeaderParser) = match component {
        Component::Cudnn | Component::CudnnSub => (
            &[
                "cudnn_version.h",
                "cudnn_version_v9.h",
                "cudnn_version_v8.h",
            ],
            parse_cudnn_header,
        ),
        Component::Tensorrt => (&["NvInferVersion.h"], parse_tensorrt_header),
        _ => return None,
    };
    dir.parent()
        .map(|p| p.join("include"))
        .iter()
        .chain(includes)
        .flat_map(|inc| headers.iter().map(move |h| inc.join(h)))
        .find_map(|h| small_text(&h).ok().and_then(|t| parse(&t)))
        .map(|v| (v, VersionSource::Header))
}
