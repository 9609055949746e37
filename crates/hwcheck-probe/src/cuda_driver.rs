//! `cuInit`, the device count and each device's name and compute capability through the
//! libcuda the loader picks, in an isolated child.
//!
//! The child dlopens `libcuda.so.1` the way an application does (through the normal loader
//! search), calls `cuDriverGetVersion`, `cuInit(0)` and `cuDeviceGetCount`, then per device
//! `cuDeviceGet`, `cuDeviceGetName` and `cuDeviceGetAttribute` (compute capability, integrated:
//! what tells a Jetson's GPU, where NVML is absent), names a failure with
//! `cuGetErrorName` / `cuGetErrorString`, and reads which file was mapped from /proc/self/maps.
//! With a fake root the root's own copy is loaded by absolute path, and only when the emulated
//! loader search inside the root selects one.

use crate::context::SystemContext;
use crate::isolate::{parse_arg, to_reply, ChildProbe};
use crate::libs::{driver_library, loader::DriverLibrary, shown_path};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{CudaDeviceFacts, CudaDriverApiFacts, ProbeError};
use hwcheck_model::read::small_text;
use hwcheck_model::version::DottedVersion;
use serde::{Deserialize, Serialize};
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_uint};
use std::path::Path;

/// Name of this module's child probe kind (`hwcheck __probe cuinit …`).
pub const CHILD_KIND: &str = "cuinit";

/// The soname applications load.
const LIBCUDA: &str = "libcuda.so.1";
/// Toolkit places a libcuda may sit outside the loader's search (so that "present but not
/// found" is reported rather than "absent"); driver directories are in
/// [`crate::libs::search::DRIVER_DIRS`].
const TOOLKIT_DIRS: [&str; 2] = ["/usr/local/cuda/compat", "/usr/local/cuda/lib64/stubs"];
/// Most devices described (cuDeviceGetCount can say anything).
const MAX_DEVICES: c_int = 64;
/// `CU_DEVICE_ATTRIBUTE_INTEGRATED`, `..._COMPUTE_CAPABILITY_MAJOR`, `..._MINOR` (cuda.h).
const ATTR_INTEGRATED: c_int = 18;
const ATTR_CC_MAJOR: c_int = 75;
const ATTR_CC_MINOR: c_int = 76;

/// Argument of the `cuinit` probe.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CuInitArg {
    /// A soname (normal loader search) or an absolute path.
    library: String,
}

/// Runs cuInit in a child; `None` when no libcuda can be found.
pub fn probe(ctx: &SystemContext) -> Option<CudaDriverApiFacts> {
    probe_in(ctx, &[])
}

/// [`probe`] with variables set (`Some`) or removed (`None`) for the child (a remedy's
/// environment; `ctx.env` must already have them for the emulated loader search).
pub fn probe_in(
    ctx: &SystemContext,
    child_env: &[(String, Option<String>)],
) -> Option<CudaDriverApiFacts> {
    let found = driver_library(ctx, LIBCUDA);
    let pick = match &found {
        Some(DriverLibrary::Picked(p)) => Some(p.clone()),
        _ => None,
    };
    let library = if ctx.is_fake_root() {
        pick.as_ref()?.display().to_string()
    } else if found.is_some() || libcuda_in_toolkit(ctx) {
        LIBCUDA.to_string()
    } else {
        return None;
    };
    let arg = CuInitArg { library };
    let run = ChildProbe::new(CHILD_KIND, &arg, ctx.timeout)
        .envs(child_env)
        .run::<CudaDriverApiFacts>();
    Some(match run {
        Ok(mut facts) => {
            facts.library_path = facts.library_path.map(|p| shown_path(ctx, Path::new(&p)));
            facts
        }
        Err(failure) => CudaDriverApiFacts {
            library_path: pick.map(|p| shown_path(ctx, &p)),
            init_error: Some(failure.to_probe_error()),
            ..CudaDriverApiFacts::default()
        },
    })
}

/// True when some libcuda file exists in a toolkit directory the loader may not search.
fn libcuda_in_toolkit(ctx: &SystemContext) -> bool {
    TOOLKIT_DIRS.iter().any(|d| {
        ["libcuda.so.1", "libcuda.so"]
            .iter()
            .any(|n| ctx.path(d).join(n).exists())
    })
}

/// Child side of the `cuinit` probe.
pub fn child(arg: &str) -> Result<serde_json::Value, ProbeError> {
    to_reply(parse_arg::<CuInitArg>(arg).and_then(|a| run_cuinit(&a.library)))
}

type OutInt = unsafe extern "C" fn(*mut c_int) -> c_int;
type Init = unsafe extern "C" fn(c_uint) -> c_int;
type ErrorText = unsafe extern "C" fn(c_int, *mut *const c_char) -> c_int;
type DeviceGet = unsafe extern "C" fn(*mut c_int, c_int) -> c_int;
type DeviceName = unsafe extern "C" fn(*mut c_char, c_int, c_int) -> c_int;
type DeviceAttribute = unsafe extern "C" fn(*mut c_int, c_int, c_int) -> c_int;

fn run_cuinit(library: &str) -> Result<CudaDriverApiFacts, ProbeError> {
    // SAFETY: loading libcuda runs its constructors; this child process exists to contain that.
    let lib = unsafe {
        libloading::os::unix::Library::open(Some(library), libc::RTLD_NOW | libc::RTLD_LOCAL)
    }
    .map_err(|e| ProbeError::new(Code::NotFound, e.to_string()))?;
    let missing = |e: libloading::Error| ProbeError::new(Code::NoSymbol, e.to_string());
    // SAFETY (all calls below): signatures as declared in cuda.h for these driver API entry
    // points; out-pointers are valid locals; the library is leaked until the child exits.
    let (version_fn, init_fn, count_fn, name_fn, string_fn) = unsafe {
        (
            lib.get::<OutInt>(b"cuDriverGetVersion").map_err(missing)?,
            lib.get::<Init>(b"cuInit").map_err(missing)?,
            lib.get::<OutInt>(b"cuDeviceGetCount").map_err(missing)?,
            lib.get::<ErrorText>(b"cuGetErrorName").map_err(missing)?,
            lib.get::<ErrorText>(b"cuGetErrorString").map_err(missing)?,
        )
    };
    let mut version: c_int = 0;
    let version_ok = unsafe { version_fn(&mut version) } == 0;
    let code = unsafe { init_fn(0) };
    let mut count: c_int = 0;
    let count_ok = code == 0 && unsafe { count_fn(&mut count) } == 0;
    let text = |f: &ErrorText| -> Option<String> {
        let mut ptr: *const c_char = std::ptr::null();
        let status = unsafe { f(code, &mut ptr) };
        // SAFETY: on success the driver returns a static NUL-terminated string.
        (status == 0 && !ptr.is_null()).then(|| {
            unsafe { CStr::from_ptr(ptr) }
                .to_string_lossy()
                .into_owned()
        })
    };
    let init_error = (code != 0)
        .then(|| init_error(code, text(&name_fn).as_deref(), text(&string_fn).as_deref()));
    let facts = CudaDriverApiFacts {
        library_path: small_text(Path::new("/proc/self/maps"))
            .ok()
            .and_then(|maps| parse_mapped_path(&maps, "libcuda.so")),
        driver_api_version: version_ok
            .then(|| DottedVersion::from_cuda_int(version))
            .flatten(),
        init_error,
        init_code: Some(code),
        device_count: count_ok.then(|| u32::try_from(count).ok()).flatten(),
        devices: if count_ok {
            devices(&lib, count)
        } else {
            Vec::new()
        },
    };
    let _ = lib.into_raw();
    Ok(facts)
}

/// Name, compute capability and integrated flag of each device (after a successful cuInit);
/// entry points the library lacks leave the fields `None`.
fn devices(lib: &libloading::os::unix::Library, count: c_int) -> Vec<CudaDeviceFacts> {
    // SAFETY: signatures as declared in cuda.h; a missing symbol is an Err, never called.
    let (get, name, attr) = unsafe {
        (
            lib.get::<DeviceGet>(b"cuDeviceGet").ok(),
            lib.get::<DeviceName>(b"cuDeviceGetName").ok(),
            lib.get::<DeviceAttribute>(b"cuDeviceGetAttribute").ok(),
        )
    };
    let Some(get) = get else {
        return Vec::new();
    };
    (0..count.clamp(0, MAX_DEVICES))
        .filter_map(|ordinal| {
            let mut dev: c_int = 0;
            // SAFETY: valid out-pointer; the ordinal is below the count the driver gave.
            (unsafe { get(&mut dev, ordinal) } == 0).then_some((ordinal, dev))
        })
        .map(|(ordinal, dev)| {
            let attribute = |which: c_int| -> Option<i32> {
                let f = attr.as_ref()?;
                let mut value: c_int = 0;
                // SAFETY: valid out-pointer, a device handle from cuDeviceGet.
                (unsafe { f(&mut value, which, dev) } == 0).then_some(value)
            };
            let cc = attribute(ATTR_CC_MAJOR)
                .zip(attribute(ATTR_CC_MINOR))
                .and_then(|(major, minor)| {
                    let parts = [u32::try_from(major).ok()?, u32::try_from(minor).ok()?];
                    Some(DottedVersion::from_parts(&parts))
                });
            CudaDeviceFacts {
                index: u32::try_from(ordinal).unwrap_or_default(),
                name: name.as_ref().and_then(|f| device_name(f, dev)),
                compute_capability: cc,
                integrated: attribute(ATTR_INTEGRATED).map(|v| v != 0),
            }
        })
        .collect()
}

fn device_name(f: &DeviceName, dev: c_int) -> Option<String> {
    let mut buf = [0 as c_char; 256];
    let len = c_int::try_from(buf.len()).ok()?;
    // SAFETY: the driver writes at most `len` bytes, NUL-terminated, into our buffer.
    if unsafe { f(buf.as_mut_ptr(), len, dev) } != 0 {
        return None;
    }
    buf[buf.len() - 1] = 0;
    // SAFETY: NUL-terminated within the buffer (forced above).
    let text = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy();
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// The fact for a failed cuInit: code = the CUDA error name, message = "<number>: <text>".
pub fn init_error(code: i32, name: Option<&str>, text: Option<&str>) -> ProbeError {
    let name = name.map_or_else(|| format!("CUDA_ERROR_{code}"), str::to_string);
    let text = text.unwrap_or("no description from the driver");
    ProbeError::new(name, format!("{code}: {text}"))
}

/// The path of the first mapping in /proc/self/maps whose file name starts with `prefix`.
pub fn parse_mapped_path(maps: &str, prefix: &str) -> Option<String> {
    maps.lines().find_map(|line| {
        let path = line.split_whitespace().nth(5)?;
        let name = Path::new(path).file_name()?.to_string_lossy();
        name.starts_with(prefix).then(|| path.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ctx;

    #[test]
    fn names_init_errors_like_cuda() {
        let e = init_error(
            803,
            Some("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH"),
            Some("system has unsupported display driver / cuda driver combination"),
        );
        assert_eq!(e.code, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH");
        assert_eq!(
            e.message,
            "803: system has unsupported display driver / cuda driver combination"
        );
        let unknown = init_error(999, None, None);
        assert_eq!(unknown.code, "CUDA_ERROR_999");
        assert!(unknown.message.starts_with("999: "));
    }

    #[test]
    fn finds_libcuda_in_proc_maps() {
        let maps = "\
7f1c2a000000-7f1c2a200000 r--p 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libc.so.6
7f1c2b000000-7f1c2b400000 r--p 00000000 08:01 456 /usr/lib/x86_64-linux-gnu/libcuda.so.580.95.05
7ffd1000-7ffd2000 rw-p 00000000 00:00 0 [stack]
";
        assert_eq!(
            parse_mapped_path(maps, "libcuda.so").as_deref(),
            Some("/usr/lib/x86_64-linux-gnu/libcuda.so.580.95.05")
        );
        assert_eq!(parse_mapped_path(maps, "libcudnn"), None);
    }

    #[test]
    fn no_libcuda_in_a_fake_root_means_no_fact() {
        let root = tempfile::tempdir().unwrap();
        assert!(probe(&ctx(root.path(), &[])).is_none());
    }

    #[test]
    fn a_garbage_libcuda_is_not_selected() {
        let root = tempfile::tempdir().unwrap();
        let lib = root.path().join("usr/lib/x86_64-linux-gnu");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::write(lib.join(LIBCUDA), b"not a library").unwrap();
        assert!(probe(&ctx(root.path(), &[])).is_none());
    }
}
