//! Test hook, compiled only with the `test-hooks` feature (never in a release build): a
//! provider stood in for by its provider library, so that tests can break and fix a provider
//! session on a machine without its hardware.
//!
//! When the child's environment has [`env_vars::HWCHECK_TEST_PROVIDER_LIBRARY`] set to a
//! provider's short name (e.g. `cuda`), the ORT library counts that provider as compiled in, and
//! registering it loads `libonnxruntime_providers_<name>.so` next to the ORT library with
//! `RTLD_NOW`, as ONNX Runtime does: the loader's error (a dependency it cannot find, a symbol
//! it lacks) is the registration failure; when it loads, the session runs on the CPU.

use super::providers::Provider;
use hwcheck_model::env_vars;
use hwcheck_model::facts::{Code, ProbeError};
use std::path::Path;

/// The provider stood in for, if any.
pub fn provider() -> Option<Provider> {
    let name = std::env::var(env_vars::HWCHECK_TEST_PROVIDER_LIBRARY).ok()?;
    Provider::from_short_name(&name).filter(|p| *p != Provider::Cpu)
}

/// Loads the provider library next to `ort_lib` (kept loaded), or says why it cannot be.
pub fn register(ort_lib: &Path, provider: Provider) -> Result<(), ProbeError> {
    let name = provider.library_name().unwrap_or_default();
    let path = ort_lib.with_file_name(name);
    // SAFETY: a test fixture library built by the tests; its constructors are theirs.
    let lib = unsafe {
        libloading::os::unix::Library::open(Some(&path), libc::RTLD_NOW | libc::RTLD_LOCAL)
    }
    .map_err(|e| ProbeError::new(Code::ProviderRegisterFailed, e.to_string()))?;
    std::mem::forget(lib);
    Ok(())
}
