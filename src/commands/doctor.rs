//! The doctor: probe (or load facts), judge, render, exit code.

use crate::commands::outputs;
use crate::common::{color, exit_code, gather_verified, AppError};
use crate::options::{Doctor, Global};
use hwcheck_model::check::Report;

/// The doctor: probe (or load facts), judge, render, exit code.
pub fn run(global: &Global, options: &Doctor) -> Result<u8, AppError> {
    let (tables, facts) = gather_verified(
        global,
        &options.machine,
        options.output.format,
        options.verify,
    )?;
    let mut checks = hwcheck_judge::judge(&facts, &tables);
    let required = hwcheck_judge::requirements::judge(&options.requirements, &facts, &checks);
    checks.extend(required);
    let mut report = Report::new(facts, checks, options.output.strict);
    outputs::stamp(&mut report, std::time::SystemTime::now());
    let format = options.output.format;
    match &options.output_dir {
        Some(dir) => {
            let name = outputs::file_name(format).ok_or_else(|| {
                AppError::Usage("--output-dir writes --format nfd, prometheus or json".into())
            })?;
            let text = outputs::render(&report, format, options.nfd_expiry, false, None);
            let path = outputs::write_atomically(dir, name, &text).map_err(AppError::Write)?;
            eprintln!("hwcheck: wrote {}", path.display());
        }
        None => println!(
            "{}",
            outputs::render(&report, format, options.nfd_expiry, color(), global.width).trim_end()
        ),
    }
    Ok(exit_code(report.verdict))
}
