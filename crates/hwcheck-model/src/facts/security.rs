//! Who ran hwcheck, and who can write the directories libraries are loaded from.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The trust facts of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SecurityFacts {
    /// hwcheck's effective uid (0 = root); `None` when unknown.
    pub euid: Option<u32>,
    /// Directories libraries are, or would be, loaded from, in the order first met.
    #[serde(default)]
    pub directories: Vec<DirectoryFacts>,
}

/// Why a directory matters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum DirUse {
    /// Listed in LD_LIBRARY_PATH: every program's loader searches it first.
    LdLibraryPath,
    /// Holds the library named by ORT_DYLIB_PATH.
    OrtDylibPath,
    /// Holds the library named by `--ort`.
    OrtOption,
    /// Holds library files hwcheck found (and loads in isolated children to read versions, or
    /// that the loader picks); detail = their file names.
    Libraries(Vec<String>),
}

/// Ownership and permissions of one directory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DirectoryFacts {
    /// The directory as the probed system names it.
    pub path: String,
    /// Why it matters.
    #[serde(default)]
    pub uses: Vec<DirUse>,
    /// Owner uid, when it could be read.
    pub owner_uid: Option<u32>,
    /// Permission bits (e.g. 0o1777 shown as 1023), when they could be read.
    pub mode: Option<u32>,
    /// Anyone may create or replace files in it (mode & 0o002).
    #[serde(default)]
    pub world_writable: bool,
    /// The sticky bit is set (others may add files but not replace other users' ones).
    #[serde(default)]
    pub sticky: bool,
    /// Why a user other than root could change what is loaded from it (the directory or one of
    /// its parents is owned by another user, or group/world-writable without the sticky bit; or
    /// the LD_LIBRARY_PATH entry is relative); `None` when only root can.
    pub user_writable: Option<String>,
    /// Why it could not be inspected (missing, unreadable).
    pub problem: Option<String>,
}
