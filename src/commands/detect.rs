//! `hwcheck detect`: the detector (bundled, or the user's `--model`) on pictures (bundled, or
//! `--image`), on every provider that opened a session, with optional annotated PNGs.
//!
//! Exit codes: 0 every provider ran (and, for the bundled check, matched the golden answers and
//! each other); 1 a provider failed or providers disagree; 2 the model or a picture is unusable
//! (missing, empty, not ONNX, wrong input rank, unreadable outputs, corrupt picture) or no ONNX
//! Runtime could be used. Bad input files are usage errors, not machine faults.

use crate::common::{self, AppError};
use crate::options::{Detect, Global, ProbeDepth};
use crate::progress::Progress;
use hwcheck_compat::Tables;
use hwcheck_detect::{annotate, bundled, preprocess};
use hwcheck_model::check::Report;
use hwcheck_model::facts::detection::{DetectionFacts, ProviderRun};
use hwcheck_model::facts::ort::Provider;
use hwcheck_model::facts::Code;
use hwcheck_model::facts::{Facts, SCHEMA_VERSION};
use hwcheck_probe::context::SystemContext;
use hwcheck_probe::detection::{child, run_target, targets, BundledFiles, Target};
use image::RgbImage;
use std::path::{Path, PathBuf};

/// Error codes that mean the model itself is unusable, whatever the provider.
const MODEL_CODES: [Code; 3] = [
    Code::BadModelInput,
    Code::BadModelOutput,
    Code::UnknownLayout,
];

/// A picture to run, decoded up front so a bad one is refused before any session.
struct Picture {
    /// Name for reports and annotated files.
    name: String,
    /// Decoded pixels.
    image: RgbImage,
}

/// Runs `hwcheck detect`.
pub fn run(global: &Global, args: &Detect) -> Result<u8, AppError> {
    let tables = Tables::load(global.tables.as_deref())?;
    if let Some(model) = &args.model {
        check_model_file(model)?;
    }
    let pictures = load_pictures(&args.images)?;
    let ctx = global.context(&ProbeDepth {
        runs: args.runs,
        ..ProbeDepth::default()
    });
    let progress = Progress::start(args.output.format);
    let ort = progress.step("onnxruntime", || hwcheck_probe::ort::probe(&ctx));
    let targets = targets(&ctx, &ort);
    if targets.is_empty() {
        let why = ort.problem.as_ref().map_or_else(
            || "no provider of the ONNX Runtime libraries found could open a session".to_string(),
            |p| p.message.clone(),
        );
        return Err(AppError::Usage(format!(
            "no usable ONNX Runtime: {why}. Pass --ort PATH or --reference-runtime; `hwcheck` explains what is wrong"
        )));
    }
    let runs = run_all(&ctx, args, &targets, &progress)?;
    progress.finish();
    refuse_unusable_model(&runs)?;
    if let Some(dir) = &args.annotate {
        let written = write_annotations(dir, &pictures, &runs)?;
        eprintln!(
            "hwcheck: wrote {} annotated picture(s) into {}: {}",
            written.len(),
            dir.display(),
            written.join(", ")
        );
    }
    let custom = args.model.is_some() || !args.images.is_empty();
    let facts = Facts {
        schema_version: SCHEMA_VERSION,
        hwcheck_version: env!("CARGO_PKG_VERSION").to_string(),
        ort,
        detection: DetectionFacts {
            model: custom.then(|| describe_custom(args)),
            model_sha256: bundled::golden()
                .ok()
                .map(|g| g.model_sha256)
                .filter(|_| !custom),
            score_threshold: Some(hwcheck_detect::golden::SCORE_THRESHOLD),
            runs,
            not_run: None,
        },
        ..Facts::default()
    };
    let checks = hwcheck_judge::detection::judge(&facts, &tables);
    let report = Report::new(facts, checks, args.output.strict);
    common::print_report(&report, args.output.format, global.width);
    if !args.output.format.is_machine() {
        println!(
            "\n{}",
            people_found(&pictures, &report.facts.detection.runs).join("\n")
        );
    }
    Ok(common::exit_code(report.verdict))
}

fn describe_custom(args: &Detect) -> String {
    let model = args.model.as_ref().map_or_else(
        || format!("bundled {}", bundled::MODEL_NAME),
        |p| p.display().to_string(),
    );
    if args.images.is_empty() {
        format!("{model} on the bundled pictures")
    } else {
        format!("{model} on {} picture(s) given", args.images.len())
    }
}

/// Refuses a missing, unreadable or empty model file before any child starts.
fn check_model_file(path: &Path) -> Result<(), AppError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| AppError::Usage(format!("cannot read model {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(AppError::Usage(format!(
            "model {} is not a file",
            path.display()
        )));
    }
    if meta.len() == 0 {
        return Err(AppError::Usage(format!(
            "model {} is empty (0 bytes)",
            path.display()
        )));
    }
    Ok(())
}

/// Reads and decodes every picture (bundled when none are given); the first bad one is a
/// usage error naming the file.
fn load_pictures(paths: &[PathBuf]) -> Result<Vec<Picture>, AppError> {
    if paths.is_empty() {
        return bundled::PICTURES
            .iter()
            .map(|p| {
                let image = preprocess::decode(p.bytes)
                    .map_err(|e| AppError::Usage(format!("bundled picture {}: {e}", p.name)))?;
                Ok(Picture {
                    name: p.name.to_string(),
                    image,
                })
            })
            .collect();
    }
    paths
        .iter()
        .map(|path| {
            let bytes = child::read_picture(path).map_err(AppError::Usage)?;
            let image = preprocess::decode(&bytes)
                .map_err(|e| AppError::Usage(format!("image {}: {e}", path.display())))?;
            Ok(Picture {
                name: path.display().to_string(),
                image,
            })
        })
        .collect()
}

/// One child per target, in order; the bundled model is written to a temporary file first.
fn run_all(
    ctx: &SystemContext,
    args: &Detect,
    targets: &[Target],
    progress: &Progress,
) -> Result<Vec<ProviderRun>, AppError> {
    let bundled = match &args.model {
        Some(_) => None,
        None => {
            let dir = PathBuf::from(ctx.var(hwcheck_model::env_vars::TMPDIR).unwrap_or("/tmp"));
            let files = BundledFiles::write(&dir).map_err(|e| {
                AppError::Usage(format!(
                    "cannot write the bundled model into {}: {e}",
                    dir.display()
                ))
            })?;
            Some(files)
        }
    };
    let timeout = hwcheck_probe::detection::child_timeout(ctx);
    let runs = targets
        .iter()
        .map(|t| {
            // No bundled files means the user gave --model.
            let (model, variant) = match (&bundled, args.model.as_deref()) {
                (Some(files), _) => files.for_provider(t.provider),
                (None, path) => (path.unwrap_or(Path::new(bundled::MODEL_NAME)), None),
            };
            progress.step(&format!("detection on {}", t.provider.label()), || {
                run_target(
                    t,
                    model,
                    variant,
                    &args.images,
                    args.runs,
                    args.threads,
                    timeout,
                )
            })
        })
        .collect();
    Ok(runs)
}

/// Exit 2 when the model is at fault: a layout/input error on any provider, or a session the
/// CPU provider could not create (the CPU provider runs every valid ONNX model).
fn refuse_unusable_model(runs: &[ProviderRun]) -> Result<(), AppError> {
    let fault = runs.iter().find_map(|r| {
        let e = r.error.as_ref()?;
        let cpu_session = r.provider == Provider::Cpu && e.code == Code::SessionFailed;
        (MODEL_CODES.contains(&e.code) || cpu_session).then_some(e)
    });
    match fault {
        Some(e) => Err(AppError::Usage(format!("unusable model: {}", e.message))),
        None => Ok(()),
    }
}

/// Each person found, per provider and picture: the box in the picture's pixels (x0,y0,x1,y1,
/// left-top to right-bottom) and the score.
fn people_found(pictures: &[Picture], runs: &[ProviderRun]) -> Vec<String> {
    let mut lines = vec!["People found (box x0,y0,x1,y1 in pixels; score):".to_string()];
    for run in runs {
        for (picture, found) in pictures.iter().zip(&run.images) {
            let (w, h) = picture.image.dimensions();
            let head = format!("- {} · {} ({w}x{h})", run.provider.label(), picture.name);
            if let Some(e) = &found.error {
                lines.push(format!("{head}: not run: {}", e.message));
                continue;
            }
            lines.push(format!("{head}: {} person(s)", found.people.len()));
            for (i, p) in found.people.iter().enumerate() {
                let px = |v: f32, size: u32| (v.clamp(0.0, 1.0) * size as f32).round() as u32;
                lines.push(format!(
                    "  {}. {},{},{},{}  score {:.2}",
                    i + 1,
                    px(p.bbox.xmin, w),
                    px(p.bbox.ymin, h),
                    px(p.bbox.xmax, w),
                    px(p.bbox.ymax, h),
                    p.score
                ));
            }
        }
    }
    lines
}

/// Writes `<stem>.<provider>.png` per picture and provider that ran; returns the paths.
fn write_annotations(
    dir: &Path,
    pictures: &[Picture],
    runs: &[ProviderRun],
) -> Result<Vec<String>, AppError> {
    let fail = |e: String| {
        AppError::Usage(format!(
            "cannot write annotated pictures into {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    let mut written = Vec::new();
    for run in runs {
        for (picture, found) in pictures.iter().zip(&run.images) {
            if found.error.is_some() {
                continue;
            }
            let stem = Path::new(&picture.name).file_stem().map_or_else(
                || "picture".to_string(),
                |s| s.to_string_lossy().into_owned(),
            );
            let path = dir.join(format!("{stem}.{}.png", run.provider.short_name()));
            annotate::annotate(&picture.image, &found.people)
                .save_with_format(&path, image::ImageFormat::Png)
                .map_err(|e| fail(format!("{}: {e}", path.display())))?;
            written.push(path.display().to_string());
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hwcheck_model::facts::ProbeError;

    fn run_with(provider: Provider, code: &str) -> ProviderRun {
        ProviderRun {
            library: "/x/libonnxruntime.so".into(),
            ort_version: None,
            provider,
            input: None,
            layout: None,
            variant: None,
            images: Vec::new(),
            timings: None,
            error: Some(ProbeError::new(code, "boom")),
        }
    }

    #[test]
    fn model_faults_are_told_from_provider_faults() {
        assert!(refuse_unusable_model(&[run_with(Provider::Cpu, "session_failed")]).is_err());
        assert!(refuse_unusable_model(&[run_with(Provider::Cuda, "unknown_layout")]).is_err());
        // CUDA refusing a session is the machine's problem, not the model's.
        assert!(refuse_unusable_model(&[run_with(Provider::Cuda, "session_failed")]).is_ok());
        assert!(refuse_unusable_model(&[run_with(Provider::Cpu, "timed_out")]).is_ok());
    }

    #[test]
    fn bad_model_files_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.onnx");
        std::fs::write(&empty, b"").unwrap();
        assert!(check_model_file(&empty)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(check_model_file(dir.path())
            .unwrap_err()
            .to_string()
            .contains("not a file"));
        assert!(check_model_file(&dir.path().join("nope.onnx")).is_err());
    }

    #[test]
    fn bad_pictures_are_usage_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("broken.jpg");
        std::fs::write(&bad, b"\xff\xd8\xff garbage").unwrap();
        let msg = load_pictures(&[bad]).err().unwrap().to_string();
        assert!(msg.contains("broken.jpg"), "{msg}");
        assert_eq!(
            load_pictures(&[]).ok().unwrap().len(),
            bundled::PICTURES.len()
        );
    }

    #[test]
    fn people_are_listed_with_pixel_boxes_and_scores() {
        use hwcheck_model::facts::detection::{BBox, Detection, ImageDetections};
        let pictures = [Picture {
            name: "mine.jpg".into(),
            image: RgbImage::new(200, 100),
        }];
        let run = ProviderRun {
            images: vec![ImageDetections {
                image: "mine.jpg".into(),
                people: vec![Detection {
                    bbox: BBox {
                        ymin: 0.1,
                        xmin: 0.25,
                        ymax: 0.9,
                        xmax: 0.5,
                    },
                    score: 0.9,
                }],
                error: None,
            }],
            error: None,
            ..run_with(Provider::Cpu, "x")
        };
        let lines = people_found(&pictures, &[run]);
        assert_eq!(lines[1], "- CPU · mine.jpg (200x100): 1 person(s)");
        assert_eq!(lines[2], "  1. 50,10,100,90  score 0.90");
    }
}
