//! The two ONNX Runtime calls the `ort` crate does not expose: the library's version string
//! (read before `ort` loads it, so an ORT too old for hwcheck's C API level still reports its
//! version) and the list of providers compiled in. All `unsafe` of the ORT probe lives here.

use hwcheck_model::facts::Code;
use hwcheck_model::facts::ProbeError;
use std::ffi::{c_char, c_int, CStr};
use std::path::Path;

/// Longest version string accepted (a real one is "1.31.1").
const MAX_VERSION_LEN: usize = 64;

/// `OrtGetApiBase()->GetVersionString()` of the library at `lib` (dlopened, not initialised).
pub fn version_string(lib: &Path) -> Result<String, ProbeError> {
    let load_err = |e: String| ProbeError::new(Code::OrtLoadFailed, e);
    // SAFETY: dlopen runs the library's constructors; this runs in an isolated child whose
    // crash or hang the parent reports.
    let library = unsafe { libloading::Library::new(lib) }.map_err(|e| load_err(e.to_string()))?;
    // SAFETY: `OrtGetApiBase` has this signature in every ONNX Runtime release.
    let get_base = unsafe {
        library.get::<unsafe extern "C" fn() -> *const ort::sys::OrtApiBase>(b"OrtGetApiBase\0")
    }
    .map_err(|_| {
        load_err(format!(
            "{} does not export OrtGetApiBase: not an ONNX Runtime library",
            lib.display()
        ))
    })?;
    // SAFETY: the base is a static struct of the library; null is checked; the version is a
    // static NUL-terminated string owned by the library, read before `library` is dropped.
    let text = unsafe {
        let base = get_base();
        if base.is_null() {
            return Err(load_err("OrtGetApiBase returned null".to_string()));
        }
        let ptr = ((*base).GetVersionString)();
        if ptr.is_null() {
            return Err(load_err("GetVersionString returned null".to_string()));
        }
        CStr::from_ptr(ptr).to_string_lossy().into_owned()
    };
    let text: String = text.chars().take(MAX_VERSION_LEN).collect();
    // Keep the library mapped: `ort` will dlopen the same file, and unloading ORT can crash.
    std::mem::forget(library);
    Ok(text)
}

/// `GetAvailableProviders`: the providers this ORT was compiled with (not: usable), as ORT
/// names them ("CUDAExecutionProvider"). Only for a process whose runtime is loaded: callers go
/// through [`super::session::available_providers`], which checks that.
pub(super) fn provider_list() -> Result<Vec<String>, ProbeError> {
    let api = ort::api();
    let mut list: *mut *mut c_char = std::ptr::null_mut();
    let mut len: c_int = 0;
    // SAFETY: the API table comes from the loaded runtime; the out-pointers are valid locals.
    let status = unsafe { (api.GetAvailableProviders)(&mut list, &mut len) };
    // SAFETY: a non-null status is owned by us and released by `result_from_status`.
    unsafe { ort::Error::result_from_status(status) }
        .map_err(|e| ProbeError::new(Code::OrtLoadFailed, e.to_string()))?;
    if list.is_null() {
        return Ok(Vec::new());
    }
    let count = usize::try_from(len).unwrap_or(0);
    // SAFETY: ORT returned `len` valid C strings in `list`, freed just below.
    let names = (0..count)
        .filter_map(|i| {
            let p = unsafe { *list.add(i) };
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
        })
        .collect();
    // SAFETY: releases exactly what GetAvailableProviders allocated.
    let status = unsafe { (api.ReleaseAvailableProviders)(list, len) };
    // SAFETY: as above.
    let _ = unsafe { ort::Error::result_from_status(status) };
    Ok(names)
}
