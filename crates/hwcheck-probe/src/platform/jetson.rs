//! NVIDIA Jetson running L4T, told the way NVIDIA's container toolkit and jtop tell it:
//! /etc/nv_tegra_release, a "tegra" SoC family, the nvidia-l4t-core package; the board from
//! the device tree.

use super::first_line;
use crate::context::SystemContext;
use hwcheck_model::facts::platform::{JetsonFacts, PackageFacts};
use hwcheck_model::version::DottedVersion;

/// L4T's release file, e.g. "# R36 (release), REVISION: 4.3, GCID: …, BOARD: generic, EABI:
/// aarch64, DATE: …".
pub const NV_TEGRA_RELEASE: &str = "/etc/nv_tegra_release";
/// The SoC family ("Tegra" on Jetsons; NVIDIA's go-nvlib checks it starts with "tegra").
pub const SOC_FAMILY: &str = "/sys/devices/soc0/family";
/// The board name from the device tree.
pub const MODEL: &str = "/proc/device-tree/model";
/// The device tree's compatible list ("nvidia,p3737-0000+p3701-0000", "nvidia,tegra234").
pub const COMPATIBLE: &str = "/proc/device-tree/compatible";
/// The package L4T's version is read from when the release file is missing.
pub const L4T_CORE: &str = "nvidia-l4t-core";

/// A Jetson's signs, `None` when there are none.
pub fn detect(ctx: &SystemContext, packages: &[PackageFacts]) -> Option<JetsonFacts> {
    let mut facts = JetsonFacts::default();
    if let Some(line) = first_line(ctx, NV_TEGRA_RELEASE) {
        facts.l4t = parse_nv_tegra_release(&line);
        facts.evidence.push(format!("{NV_TEGRA_RELEASE}: {line}"));
    }
    let family =
        first_line(ctx, SOC_FAMILY).filter(|f| f.to_ascii_lowercase().starts_with("tegra"));
    if let Some(f) = &family {
        facts.evidence.push(format!("{SOC_FAMILY}: {f}"));
    }
    if let Some(p) = packages.iter().find(|p| p.name == L4T_CORE) {
        facts
            .evidence
            .push(format!("dpkg: {L4T_CORE} {}", p.version));
        if facts.l4t.is_none() {
            let upstream = p.version.split('-').next().unwrap_or_default();
            facts.l4t = DottedVersion::parse(upstream).ok();
        }
    }
    if facts.evidence.is_empty() {
        return None;
    }
    facts.model = first_line(ctx, MODEL);
    if let Some(m) = &facts.model {
        facts.evidence.push(format!("{MODEL}: {m}"));
    }
    let compatible = std::fs::read(ctx.path(COMPATIBLE)).unwrap_or_default();
    facts.soc = soc_from_compatible(&String::from_utf8_lossy(&compatible))
        .or_else(|| family.map(|f| f.to_ascii_lowercase()));
    Some(facts)
}

/// The L4T version of /etc/nv_tegra_release's first line: "# R35 (release), REVISION: 4.1"
/// -> 35.4.1; "REVISION: 5.0" -> 32.5.0.
pub fn parse_nv_tegra_release(line: &str) -> Option<DottedVersion> {
    let major = line
        .trim_start_matches(['#', ' '])
        .strip_prefix('R')?
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .filter(|m| !m.is_empty())?;
    let revision = line
        .split(',')
        .find_map(|part| part.trim().strip_prefix("REVISION:"))?
        .trim();
    DottedVersion::parse(&format!("{major}.{revision}")).ok()
}

/// "tegra234" out of a NUL-separated device-tree compatible list.
pub fn soc_from_compatible(text: &str) -> Option<String> {
    text.split(['\0', '\n'])
        .filter_map(|c| c.trim().strip_prefix("nvidia,"))
        .find(|c| c.starts_with("tegra"))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ctx, write};

    const R35: &str = "# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023";

    #[test]
    fn parses_release_lines() {
        assert_eq!(parse_nv_tegra_release(R35).unwrap().as_str(), "35.4.1");
        let r32 = "# R32 (release), REVISION: 5.0, GCID: 1, BOARD: t210ref, EABI: aarch64";
        assert_eq!(parse_nv_tegra_release(r32).unwrap().as_str(), "32.5.0");
        for bad in [
            "",
            "# R (release)",
            "R36 no revision",
            "# X36, REVISION: 4.3",
        ] {
            assert_eq!(parse_nv_tegra_release(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn finds_the_soc() {
        let compat = "nvidia,p3737-0000+p3701-0005\0nvidia,p3701-0005\0nvidia,tegra234\0";
        assert_eq!(soc_from_compatible(compat).as_deref(), Some("tegra234"));
        assert_eq!(
            soc_from_compatible("raspberrypi,4-model-b\0brcm,bcm2711"),
            None
        );
    }

    #[test]
    fn recognised_from_the_release_file_or_the_package() {
        let dir = tempfile::tempdir().unwrap();
        let c = ctx(dir.path(), &[]);
        assert!(detect(&c, &[]).is_none());
        let core = PackageFacts {
            name: L4T_CORE.into(),
            version: "36.4.3-20250107174145".into(),
            architecture: Some("arm64".into()),
        };
        let j = detect(&c, std::slice::from_ref(&core)).unwrap();
        assert_eq!(j.l4t.unwrap().as_str(), "36.4.3");
        write(dir.path(), NV_TEGRA_RELEASE, &format!("{R35}\n"));
        write(dir.path(), MODEL, "NVIDIA Jetson AGX Orin Developer Kit\0");
        write(dir.path(), SOC_FAMILY, "Tegra\n");
        let j = detect(&c, &[core]).unwrap();
        assert_eq!(j.l4t.unwrap().as_str(), "35.4.1", "the release file wins");
        assert_eq!(
            j.model.as_deref(),
            Some("NVIDIA Jetson AGX Orin Developer Kit")
        );
        assert_eq!(j.soc.as_deref(), Some("tegra"));
        assert_eq!(j.evidence.len(), 4, "{:?}", j.evidence);
    }
}
