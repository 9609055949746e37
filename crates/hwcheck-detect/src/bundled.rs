//! The bundled model, pictures and golden answers, embedded in the binary so that `hwcheck`
//! finds them wherever it is copied (see docs/model.md for why the model is embedded too).

use super::golden::Golden;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File name of the bundled model.
pub const MODEL_NAME: &str = "person-ssdlite.onnx";

/// The bundled model's bytes (models/person-ssdlite.onnx, MIT; see models/PROVENANCE.md).
pub const MODEL: &[u8] = include_bytes!("../../../models/person-ssdlite.onnx");

/// The golden answers (assets/golden.json, written by tools/golden.py).
const GOLDEN_JSON: &str = include_str!("../../../assets/golden.json");

/// A bundled picture.
#[derive(Clone, Copy, Debug)]
pub struct Picture {
    /// File name under assets/images/.
    pub name: &'static str,
    /// Encoded bytes.
    pub bytes: &'static [u8],
}

/// A [`Picture`] embedded from assets/images/, by file name.
macro_rules! picture {
    ($name:literal) => {
        Picture {
            name: $name,
            bytes: include_bytes!(concat!("../../../assets/images/", $name)),
        }
    };
}

/// The bundled pictures, in golden order: three with one person each (one grey), one with none.
pub const PICTURES: [Picture; 4] = [
    picture!("astronaut.png"),
    picture!("camera.png"),
    picture!("grace_hopper.jpg"),
    picture!("rocket.jpg"),
];

/// The golden answers; `Err` only if the embedded JSON is broken (a build defect).
pub fn golden() -> Result<Golden, String> {
    serde_json::from_str(GOLDEN_JSON).map_err(|e| format!("bundled golden answers unreadable: {e}"))
}

/// Writes the bundled model to a new file in `dir` (ORT sessions open files) and returns its
/// path; the caller removes it. The name carries the process id and a clock reading; an
/// existing file is never overwritten or followed.
pub fn write_model(dir: &Path) -> std::io::Result<PathBuf> {
    write_new(dir, MODEL_NAME, MODEL)
}

/// Writes the bundled model as the CUDA provider runs it ([`CUDA_VARIANT`]) to a new file in
/// `dir`, as [`write_model`] does.
pub fn write_cuda_model(dir: &Path) -> std::io::Result<PathBuf> {
    let variant = crate::depthwise::split_depthwise(MODEL)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
    write_new(dir, &format!("cuda-{MODEL_NAME}"), &variant.bytes)
}

/// What the CUDA provider runs instead of the bundled model as it is, and why.
pub const CUDA_VARIANT: &str =
    "the bundled detector with its 33 depthwise convolutions written as \
    Pad + strided Slice + Mul + Sum (the same arithmetic without cuDNN: cuDNN >= 9.10 compiles \
    engines for depthwise convolutions at first use, ~4 s on an H200)";

fn write_new(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let path = dir.join(format!("hwcheck-{}-{nanos}-{name}", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_covers_every_picture_and_one_has_no_person() {
        let g = golden().unwrap();
        let names: Vec<&str> = g.images.iter().map(|i| i.image.as_str()).collect();
        let bundled: Vec<&str> = PICTURES.iter().map(|p| p.name).collect();
        assert_eq!(names, bundled);
        assert!(g.images.iter().any(|i| i.people.is_empty()));
        assert!(g.images.iter().filter(|i| !i.people.is_empty()).count() >= 2);
    }

    #[test]
    fn every_picture_decodes() {
        for p in PICTURES {
            let img = super::super::preprocess::decode(p.bytes).unwrap();
            assert!(img.width() >= 100, "{}", p.name);
        }
    }

    #[test]
    fn the_model_is_written_whole_and_only_into_a_usable_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_model(dir.path()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), MODEL.len() as u64);
        assert!(write_model(&dir.path().join("missing")).is_err());
    }

    #[test]
    fn the_embedded_model_is_the_one_the_golden_answers_name() {
        // Independent of hwcheck's code: sha256sum of the committed file.
        let model = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../models/person-ssdlite.onnx"
        );
        let Ok(out) = std::process::Command::new("sha256sum").arg(model).output() else {
            eprintln!("skipped: sha256sum not available");
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let sum = text.split_whitespace().next().unwrap_or_default();
        assert_eq!(sum, golden().unwrap().model_sha256);
    }
}
