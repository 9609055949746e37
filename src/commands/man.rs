//! `hwcheck man`: prints hwcheck.1, or writes every page into a directory.

use crate::common::{AppError, EXIT_OK};
use crate::options::Man;
use std::io::Write;

/// Prints the first page (hwcheck.1), or writes all pages into `--out DIR` and names them.
pub fn run(options: &Man) -> Result<u8, AppError> {
    let Some(dir) = &options.out else {
        if let Some((_, text)) = options.pages.first() {
            std::io::stdout()
                .write_all(text)
                .map_err(|e| AppError::Write(format!("cannot print the man page: {e}")))?;
        }
        return Ok(EXIT_OK);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| AppError::Write(format!("cannot create {}: {e}", dir.display())))?;
    for (name, text) in &options.pages {
        let path = dir.join(name);
        std::fs::write(&path, text)
            .map_err(|e| AppError::Write(format!("cannot write {}: {e}", path.display())))?;
        eprintln!("hwcheck: wrote {}", path.display());
    }
    Ok(EXIT_OK)
}
