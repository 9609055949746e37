//! Stable error codes of probe failures ([`super::ProbeError::code`]).
//!
//! hwcheck's own codes are variants; an error name reported by NVML or CUDA
//! (`DriverNotLoaded`, `NVML_ERROR_LIB_RM_VERSION_MISMATCH`, `CUDA_ERROR_NO_DEVICE`) is kept as
//! [`Code::Vendor`] with the text the library gave. In JSON every code is its snake_case string
//! (or the vendor's name), so reports written before the enum existed read back the same.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $text:literal,)*) => {
        /// A probe failure's stable code.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
        #[serde(from = "String", into = "String")]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
            /// An error name from NVML or CUDA, as the library reported it.
            Vendor(String),
        }

        impl Code {
            /// Every hwcheck-own code, for documentation and tests.
            pub const OWN: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in reports.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Code::$variant => $text,)*
                    Code::Vendor(name) => name,
                }
            }
        }

        impl From<&str> for Code {
            fn from(text: &str) -> Self {
                match text {
                    $($text => Code::$variant,)*
                    other => Code::Vendor(other.to_string()),
                }
            }
        }
    };
}

codes! {
    /// A child probe ran past its deadline and was killed.
    TimedOut = "timed_out",
    /// A child probe died of a signal.
    Crashed = "crashed",
    /// A child probe exited without printing its result.
    Exited = "exited",
    /// A child probe printed something that is not a result.
    BadOutput = "bad_output",
    /// A child probe could not be started.
    SpawnFailed = "spawn_failed",
    /// A child probe got an argument it could not read.
    BadArgument = "bad_argument",
    /// No child probe of that kind is registered.
    UnknownProbe = "unknown_probe",
    /// A file could not be read.
    Unreadable = "unreadable",
    /// A file does not exist.
    NotFound = "not_found",
    /// A symlink whose target does not exist.
    DanglingSymlink = "dangling_symlink",
    /// Too many levels of symbolic links.
    SymlinkLoop = "symlink_loop",
    /// Not an ELF file.
    NotElf = "not_elf",
    /// An ELF file cut short.
    Truncated = "truncated",
    /// An ELF file whose headers cannot be parsed.
    MalformedElf = "malformed_elf",
    /// A library without CUDA device code (no fatbin section).
    NoDeviceCode = "no_device_code",
    /// An ELF file for another machine architecture.
    WrongArchitecture = "wrong_architecture",
    /// dlopen refused the library.
    DlopenFailed = "dlopen_failed",
    /// The library lacks its version function.
    NoSymbol = "no_symbol",
    /// The version function failed.
    CallFailed = "call_failed",
    /// The library reported a version no release has.
    AbsurdVersion = "absurd_version",
    /// A version file could not be parsed.
    BadVersionFile = "bad_version_file",
    /// A toolkit without a version file.
    MissingVersionFile = "missing_version_file",
    /// `--reference-runtime` was asked for but the reference runtime is not there.
    ReferenceMissing = "reference_missing",
    /// A picture could not be read.
    UnreadableImage = "unreadable_image",
    /// A picture could not be decoded.
    BadImage = "bad_image",
    /// The `--nvml-facts` file could not be used.
    NvmlFactsUnreadable = "nvml_facts_unreadable",
    /// The ONNX Runtime library could not be loaded (dlopen, `OrtGetApiBase`, API level).
    OrtLoadFailed = "ort_load_failed",
    /// A session was asked for before the runtime was loaded.
    OrtNotLoaded = "ort_not_loaded",
    /// The ONNX Runtime build does not include this execution provider.
    ProviderNotBuilt = "provider_not_built",
    /// The provider is built in but registering it failed (library, dependency, device).
    ProviderRegisterFailed = "provider_register_failed",
    /// The session could not be created.
    SessionFailed = "session_failed",
    /// The session was created but running it failed.
    RunFailed = "run_failed",
    /// The detector's outputs match no known layout.
    UnknownLayout = "unknown_layout",
    /// The detector's inputs are not one image tensor.
    BadModelInput = "bad_model_input",
    /// A detector output is not a numeric tensor.
    BadModelOutput = "bad_model_output",
}

impl Code {
    /// The code lowered, without separators or the library prefix, so that NVML's and CUDA's
    /// spellings compare equal: `NVML_ERROR_LIB_RM_VERSION_MISMATCH` and `LibRmVersionMismatch`
    /// both give `librmversionmismatch`.
    pub fn normalized(&self) -> String {
        let lowered: String = self
            .as_str()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect();
        ["nvmlerror", "cudaerror"]
            .iter()
            .find_map(|p| lowered.strip_prefix(p))
            .unwrap_or(&lowered)
            .to_string()
    }

    /// Whether this is the given vendor error name, in any of its spellings.
    pub fn is_vendor(&self, name: &str) -> bool {
        matches!(self, Code::Vendor(_)) && self.normalized() == Code::from(name).normalized()
    }
}

impl From<String> for Code {
    fn from(text: String) -> Self {
        Code::from(text.as_str())
    }
}

impl From<Code> for String {
    fn from(code: Code) -> Self {
        code.as_str().to_string()
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Default for Code {
    /// An empty vendor name: what a report without a code reads back as.
    fn default() -> Self {
        Code::Vendor(String::new())
    }
}

impl PartialEq<&str> for Code {
    /// Compares with a code's text as written in reports.
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_codes_round_trip_through_their_text() {
        for code in Code::OWN {
            assert_eq!(&Code::from(code.as_str()), code);
        }
    }

    #[test]
    fn vendor_names_compare_in_any_spelling() {
        let code = Code::from("NVML_ERROR_LIB_RM_VERSION_MISMATCH");
        assert!(code.is_vendor("LibRmVersionMismatch"));
        assert!(!Code::TimedOut.is_vendor("timed_out"));
    }
}
