//! Kernel images of the CUDA libraries that matter here: which SASS and PTX architectures each
//! carries, read from its `.nv_fatbin` section by [`hwcheck_kernels`] (headers only; no
//! `cuobjdump`, nothing loaded).
//!
//! Libraries scanned ([`candidates`]): the CUDA-family libraries the library probe found that
//! carry GPU code (cuBLAS, cuBLASLt, cuFFT, cuRAND, cuDNN and its sub-libraries, TensorRT), each
//! ONNX Runtime install's CUDA and TensorRT provider libraries, and PyTorch's CUDA libraries in
//! every Python environment. At most [`THREADS`] files are scanned at once; results are cached
//! per file ([`cache`]) so a warm run reads no library. Under `--quick` only cached results are
//! used. With `--root` the cache is neither read nor written (hwcheck never writes into a
//! probed root, and a fake root's files are not this machine's).

pub mod cache;
pub mod candidates;

use crate::context::SystemContext;
use cache::{Cache, Entry, Scanned, Stamp};
use candidates::Candidate;
use hwcheck_kernels::{KernelImages, Kind, Limits, ScanError};
use hwcheck_model::env_vars;
use hwcheck_model::facts::kernels::KernelImageFacts;
use hwcheck_model::facts::{Code, LibraryFacts, ProbeError};
use hwcheck_model::parallel::map_in_order;
use std::path::Path;

/// Files scanned at once (each scan is a few thousand small reads of one file).
pub const THREADS: usize = 4;

/// What the kernel probe learned.
#[derive(Clone, Debug, Default)]
pub struct KernelScan {
    /// One entry per library scanned or found in the cache.
    pub libraries: Vec<KernelImageFacts>,
    /// Libraries left out because they were not cached and scanning was not allowed
    /// (`--quick`).
    pub not_cached: usize,
}

/// Scans the libraries that matter, given the library probe's findings.
pub fn probe(ctx: &SystemContext, libraries: &[LibraryFacts]) -> KernelScan {
    let cache_file = (!ctx.is_fake_root())
        .then(|| cache::location(ctx.var(env_vars::XDG_CACHE_HOME), ctx.var(env_vars::HOME)))
        .flatten();
    scan(
        &candidates::candidates(ctx, libraries),
        cache_file.as_deref(),
        !ctx.quick,
    )
}

/// One candidate's outcome: `None` when it was skipped (not cached, scanning not allowed).
struct Outcome {
    stamp: Option<Stamp>,
    scanned: Scanned,
    cached: bool,
}

/// Scans `candidates` (cache at `cache_file` when given; new scans only when `allow_scan`),
/// and rewrites the cache when anything changed.
pub fn scan(candidates: &[Candidate], cache_file: Option<&Path>, allow_scan: bool) -> KernelScan {
    let old = cache_file.map(Cache::load).unwrap_or_default();
    let outcomes = map_in_order(candidates, THREADS, |c| scan_one(c, &old, allow_scan));
    let mut new = Cache {
        version: cache::CACHE_VERSION,
        ..Cache::default()
    };
    let mut out = KernelScan::default();
    for (candidate, outcome) in candidates.iter().zip(outcomes) {
        let Some(outcome) = outcome else {
            out.not_cached += 1;
            continue;
        };
        if let (Some(stamp), true) = (outcome.stamp, cacheable(&outcome.scanned)) {
            new.entries.insert(
                cache::key(&candidate.real),
                Entry {
                    stamp,
                    scanned: outcome.scanned.clone(),
                },
            );
        }
        out.libraries.push(facts_of(candidate, &outcome));
    }
    if let Some(file) = cache_file {
        // Entries of files not met this time (another environment's, a `--quick` run's
        // left-outs) stay while their file exists, up to MAX_ENTRIES.
        for (k, v) in &old.entries {
            if new.entries.len() >= cache::MAX_ENTRIES {
                break;
            }
            if !new.entries.contains_key(k) && Path::new(k).exists() {
                new.entries.insert(k.clone(), v.clone());
            }
        }
        if new != old {
            // A cache that cannot be written costs the next run a scan, nothing else.
            let _ = new.save(file);
        }
    }
    out
}

fn scan_one(candidate: &Candidate, cache: &Cache, allow_scan: bool) -> Option<Outcome> {
    let stamp = Stamp::of(&candidate.real);
    if let Some(hit) = stamp.and_then(|s| cache.get(&candidate.real, s)) {
        return Some(Outcome {
            stamp,
            scanned: hit.clone(),
            cached: true,
        });
    }
    if !allow_scan {
        return None;
    }
    let scanned = match scan_file(&candidate.real) {
        Ok(images) => Scanned::Images(images),
        Err(e) => Scanned::Error(e),
    };
    Some(Outcome {
        stamp,
        scanned,
        cached: false,
    })
}

/// Scans one regular file, opened without blocking (a FIFO named like a library cannot hang
/// the scan).
pub fn scan_file(path: &Path) -> Result<KernelImages, ProbeError> {
    let file = hwcheck_model::read::open_nonblocking(path).map_err(|e| io_error(&e))?;
    let meta = file.metadata().map_err(|e| io_error(&e))?;
    if !meta.is_file() {
        return Err(ProbeError::new(Code::Unreadable, "not a regular file"));
    }
    hwcheck_kernels::scan_open_file(&file, &Limits::default()).map_err(|e| scan_error(&e))
}

fn io_error(e: &std::io::Error) -> ProbeError {
    let code = match e.kind() {
        std::io::ErrorKind::NotFound => Code::NotFound,
        _ => Code::Unreadable,
    };
    ProbeError::new(code, e.to_string())
}

fn scan_error(e: &ScanError) -> ProbeError {
    let code = match e {
        ScanError::Io(io) => return io_error(io),
        ScanError::NotElf => Code::NotElf,
        ScanError::Elf(_) => Code::MalformedElf,
        ScanError::NoFatbinSection | ScanError::NotFatbin => Code::NoDeviceCode,
    };
    ProbeError::new(code, e.to_string())
}

/// I/O failures may pass (a permission fixed, a disk remounted): they are not cached.
fn cacheable(scanned: &Scanned) -> bool {
    match scanned {
        Scanned::Images(_) => true,
        Scanned::Error(e) => !matches!(e.code, Code::Unreadable | Code::NotFound),
    }
}

fn facts_of(candidate: &Candidate, outcome: &Outcome) -> KernelImageFacts {
    let mut facts = KernelImageFacts {
        path: candidate.shown.clone(),
        real_path: candidate.shown_real.clone(),
        label: candidate.label.clone(),
        in_use: candidate.in_use,
        cached: outcome.cached,
        ..KernelImageFacts::default()
    };
    match &outcome.scanned {
        Scanned::Images(k) => {
            let names = |kind: Kind| -> Vec<String> {
                k.targets()
                    .iter()
                    .filter(|t| t.kind == kind)
                    .map(ToString::to_string)
                    .collect()
            };
            facts.sass = names(Kind::Sass);
            facts.ptx = names(Kind::Ptx);
            facts.entries = k.entries;
            facts.compressed_entries = k.compressed_entries;
            facts.malformed = k.errors;
            facts.truncated = k.truncated;
        }
        Scanned::Error(e) => facts.error = Some(e.clone()),
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_kernels::fixtures::{container, elf, multi_arch, Entry, Section, PTX, SASS};
    use std::path::PathBuf;
    use std::time::{Duration, SystemTime};

    fn lib_with(fatbin: Vec<u8>) -> Vec<u8> {
        elf(&[Section {
            name: ".nv_fatbin",
            addr: 0x4000,
            data: fatbin,
        }])
    }

    fn candidate(dir: &Path, name: &str, bytes: &[u8]) -> Candidate {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        Candidate {
            real: path.clone(),
            shown: format!("/lib/{name}"),
            shown_real: None,
            label: "cuBLASLt".to_string(),
            in_use: true,
        }
    }

    fn set_mtime(path: &Path, t: SystemTime) {
        let f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.set_modified(t).unwrap();
    }

    #[test]
    fn scans_records_errors_and_caches_per_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let cands = vec![
            candidate(d, "libmulti.so", &lib_with(multi_arch())),
            candidate(d, "libnone.so", &elf(&[])),
            candidate(d, "notelf.so", b"hello, not an ELF file"),
            Candidate {
                real: d.join("missing.so"),
                ..candidate(d, "x.so", b"")
            },
        ];
        let cache_file = d.join("cache/hwcheck/kernels.json");
        let cold = scan(&cands, Some(&cache_file), true);
        assert_eq!(cold.not_cached, 0);
        let k = &cold.libraries;
        assert_eq!(k.len(), 4);
        assert_eq!(k[0].sass, ["sm_75", "sm_80", "sm_86", "sm_90a"]);
        assert_eq!(k[0].ptx, ["compute_90"]);
        assert_eq!((k[0].entries, k[0].malformed, k[0].cached), (5, 0, false));
        assert!(k[0].in_use && k[0].has_device_code());
        let code = |i: usize| k[i].error.as_ref().map(|e| e.code.as_str().to_string());
        assert_eq!(code(1).as_deref(), Some("no_device_code"));
        assert_eq!(code(2).as_deref(), Some("not_elf"));
        assert_eq!(code(3).as_deref(), Some("not_found"));
        assert!(cache_file.is_file());

        // Warm: same size and mtime -> the cache answers, the file is not read. Prove it by
        // rewriting the library with other content of the same length and the old mtime.
        let lib = &cands[0].real;
        let mtime = std::fs::metadata(lib).unwrap().modified().unwrap();
        let other = lib_with(container(&[
            Entry::new(SASS, 61, 0),
            Entry::new(SASS, 61, 0),
            Entry::new(SASS, 61, 0),
            Entry::new(SASS, 61, 0),
            Entry::new(PTX, 52, 0).payload(b".version 8.0\n.target sm_90\n"),
        ]));
        assert_eq!(other.len(), std::fs::metadata(lib).unwrap().len() as usize);
        std::fs::write(lib, &other).unwrap();
        set_mtime(lib, mtime);
        let warm = scan(&cands, Some(&cache_file), true);
        assert!(warm.libraries[0].cached && warm.libraries[1].cached);
        assert_eq!(warm.libraries[0].sass, k[0].sass);
        assert!(!warm.libraries[3].cached, "I/O errors are not cached");

        // A new mtime: scanned again.
        set_mtime(lib, mtime + Duration::from_secs(5));
        let again = scan(&cands, Some(&cache_file), true);
        assert!(!again.libraries[0].cached);
        assert_eq!(again.libraries[0].sass, ["sm_61"]);
        assert_eq!(again.libraries[0].ptx, ["compute_52"]);
    }

    #[test]
    fn quick_uses_the_cache_only_and_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = candidate(d, "liba.so", &lib_with(multi_arch()));
        let b = candidate(
            d,
            "libb.so",
            &lib_with(container(&[Entry::new(SASS, 86, 0)])),
        );
        let cache_file = d.join("kernels.json");
        scan(std::slice::from_ref(&a), Some(&cache_file), true);
        let quick = scan(&[a.clone(), b.clone()], Some(&cache_file), false);
        assert_eq!(quick.not_cached, 1);
        assert_eq!(quick.libraries.len(), 1);
        assert!(quick.libraries[0].cached);
        // A later run that meets only b keeps a's entry while a exists.
        scan(std::slice::from_ref(&b), Some(&cache_file), true);
        let both = scan(&[a, b], Some(&cache_file), false);
        assert_eq!(both.not_cached, 0);
        assert!(both.libraries.iter().all(|l| l.cached));
    }

    #[test]
    fn without_a_cache_file_everything_is_scanned() {
        let dir = tempfile::tempdir().unwrap();
        let cands: Vec<Candidate> = (0..9)
            .map(|i| {
                let sass = 50 + i;
                candidate(
                    dir.path(),
                    &format!("lib{i}.so"),
                    &lib_with(container(&[Entry::new(SASS, sass, 0)])),
                )
            })
            .collect();
        let out = scan(&cands, None, true);
        let got: Vec<String> = out.libraries.iter().map(|l| l.sass.join(",")).collect();
        let want: Vec<String> = (0..9).map(|i| format!("sm_{}", 50 + i)).collect();
        assert_eq!(got, want, "results stay in candidate order");
        assert!(out.libraries.iter().all(|l| !l.cached));
        let quick = scan(&cands, None, false);
        assert_eq!((quick.libraries.len(), quick.not_cached), (0, 9));
    }

    #[test]
    fn a_fifo_named_like_a_library_does_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let fifo: PathBuf = dir.path().join("libcublasLt.so.13");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = scan_file(&fifo).unwrap_err();
        assert_eq!(e.code, Code::Unreadable);
    }
}
