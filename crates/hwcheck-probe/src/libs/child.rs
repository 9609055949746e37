//! The `libversion` child probe: dlopen one library by absolute path and call its version
//! function. Runs in a separate process (see [`crate::isolate`]) because loading a vendor library
//! can crash, hang or exit.

use super::version::{call_for, Call};
use crate::isolate::{parse_arg, to_reply, ChildProbe};
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Component, ProbeError};
use serde::{Deserialize, Serialize};
use std::os::raw::c_int;
use std::time::Duration;

/// Name of this module's child probe kind (`hwcheck __probe libversion …`).
pub const CHILD_KIND: &str = "libversion";

/// Argument of the `libversion` probe.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VersionArg {
    /// Absolute path of the library file (host path).
    pub path: String,
    /// Which component it is (chooses the function called).
    pub component: Component,
}

/// The child probe for one library, ready to run.
pub fn probe_for(arg: &VersionArg, timeout: Duration) -> ChildProbe {
    ChildProbe::new(CHILD_KIND, arg, timeout)
}

/// Child side of the `libversion` probe: the raw integers the version call returned.
pub fn child_version(arg: &str) -> Result<serde_json::Value, ProbeError> {
    to_reply(parse_arg::<VersionArg>(arg).and_then(|a| call_version(&a)))
}

fn call_version(arg: &VersionArg) -> Result<Vec<i64>, ProbeError> {
    let (call, _) = call_for(arg.component).ok_or_else(|| {
        ProbeError::new(
            Code::BadArgument,
            format!("no version call for {:?}", arg.component),
        )
    })?;
    // SAFETY: loading runs the library's constructors; that is the risk this child process exists
    // to contain (a crash or hang ends only the child).
    let lib = unsafe {
        libloading::os::unix::Library::open(Some(&arg.path), libc::RTLD_NOW | libc::RTLD_LOCAL)
    }
    .map_err(|e| ProbeError::new(Code::DlopenFailed, e.to_string()))?;
    let missing = |e: libloading::Error| ProbeError::new(Code::NoSymbol, e.to_string());
    let symbol = call.symbol().as_bytes();
    // SAFETY (all calls below): the signatures are the ones NVIDIA's headers declare for these
    // exported functions; the library stays loaded (leaked) for the rest of this short process.
    let values = match call {
        Call::OutParam(name) => {
            let f = unsafe { lib.get::<unsafe extern "C" fn(*mut c_int) -> c_int>(symbol) }
                .map_err(missing)?;
            let mut out: c_int = 0;
            let status = unsafe { f(&mut out) };
            check_status(name, status)?;
            vec![i64::from(out)]
        }
        Call::ReturnsSize(_) => {
            let f =
                unsafe { lib.get::<unsafe extern "C" fn() -> usize>(symbol) }.map_err(missing)?;
            vec![i64::try_from(unsafe { f() }).unwrap_or(-1)]
        }
        Call::ReturnsInt(_) => {
            let f = unsafe { lib.get::<unsafe extern "C" fn() -> i32>(symbol) }.map_err(missing)?;
            vec![i64::from(unsafe { f() })]
        }
        Call::CublasProperty => {
            let f = unsafe { lib.get::<unsafe extern "C" fn(c_int, *mut c_int) -> c_int>(symbol) }
                .map_err(missing)?;
            let mut parts = Vec::new();
            for property in 0..3 {
                let mut out: c_int = 0;
                check_status(call.symbol(), unsafe { f(property, &mut out) })?;
                parts.push(i64::from(out));
            }
            parts
        }
    };
    // Unloading vendor libraries at exit has crashed before; keep it loaded until the child ends.
    let _ = lib.into_raw();
    Ok(values)
}

fn check_status(function: &str, status: c_int) -> Result<(), ProbeError> {
    if status == 0 {
        Ok(())
    } else {
        Err(ProbeError::new(
            Code::CallFailed,
            format!("{function} returned status {status}"),
        ))
    }
}
