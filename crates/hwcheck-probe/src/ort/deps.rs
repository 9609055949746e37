//! Every missing library of a provider library's dependency tree, found the way the dynamic
//! loader searches (the loader itself names only the first one it misses).
//!
//! Each soname is looked up with hwcheck's one loader emulation ([`crate::libs::loader`]).

use crate::elf;
use crate::libs::loader::Loader;
use hwcheck_model::facts::ProbeError;
use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

/// Most libraries visited in one dependency tree (a CUDA provider has about 30).
const MAX_VISITED: usize = 256;

/// The dependency facts of one library: its own ELF facts and every missing soname of its
/// tree, in the order first needed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dependencies {
    /// The library's own DT_NEEDED.
    pub needed: Vec<String>,
    /// Sonames nothing on the search path provides.
    pub missing: Vec<String>,
}

/// Walks `lib`'s dependency tree breadth-first and lists every soname that cannot be found.
/// `preloaded` are sonames already in the process (ORT loads its shared provider library
/// itself), counted as found.
pub fn missing_dependencies(
    search: &Loader,
    lib: &Path,
    preloaded: &[&str],
) -> Result<Dependencies, ProbeError> {
    let root = elf::read_dynamic(lib)?;
    let machine = root.machine;
    let mut seen: BTreeSet<String> = preloaded.iter().map(|s| s.to_string()).collect();
    let mut missing = Vec::new();
    let mut queue = VecDeque::from([(lib.to_path_buf(), root.clone())]);
    let mut visited = 0usize;
    while let Some((path, info)) = queue.pop_front() {
        visited += 1;
        if visited > MAX_VISITED {
            break;
        }
        let origin = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        for soname in &info.needed {
            if !seen.insert(soname.clone()) {
                continue;
            }
            match search.resolve_from(soname, &origin, &info.runpath, machine) {
                Some(found) => queue.push_back(found),
                None => missing.push(soname.clone()),
            }
        }
    }
    Ok(Dependencies {
        needed: root.needed,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_an_error_not_a_panic() {
        let err = missing_dependencies(&Loader::default(), Path::new("/nonexistent.so"), &[])
            .unwrap_err();
        assert!(!err.code.as_str().is_empty());
    }
}
