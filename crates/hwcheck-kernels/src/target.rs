//! Kernel image targets by name (`sm_80`, `sm_90a`, `sm_100f`, `compute_90`), as `cuobjdump`
//! prints them, and their place in a [`KernelImages`].

use crate::KernelImages;
use std::collections::BTreeSet;
use std::fmt;

/// What an image holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// SASS: a cubin compiled for a real architecture (`sm_XY`).
    Sass,
    /// PTX: code for a virtual architecture (`compute_XY`), compiled by the driver's JIT.
    Ptx,
}

/// The suffix of a target, which decides where it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    /// No suffix (`sm_80`).
    Plain,
    /// `a`: architecture-specific, runs only on exactly that compute capability.
    ArchSpecific,
    /// `f`: family-specific, runs on the same major with an equal or higher minor.
    FamilySpecific,
}

impl Variant {
    fn suffix(self) -> &'static str {
        match self {
            Variant::Plain => "",
            Variant::ArchSpecific => "a",
            Variant::FamilySpecific => "f",
        }
    }
}

/// One kernel image target: kind, SM number (`major * 10 + minor`) and variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Target {
    /// SASS or PTX.
    pub kind: Kind,
    /// SM number, e.g. `90` for `sm_90a`, `120` for `compute_120f`.
    pub arch: u32,
    /// The suffix.
    pub variant: Variant,
}

/// Largest SM number a name may carry (NVIDIA's are below 200 today).
const MAX_ARCH: u32 = 1000;

impl Target {
    /// Parses `sm_80`, `sm_90a`, `sm_100f`, `compute_90`, `compute_90a`; `None` for anything
    /// else (`sm_`, `sm_9x`, `sm_90b`, `sm_0`, `lto_90`).
    pub fn parse(name: &str) -> Option<Target> {
        let (kind, rest) = if let Some(rest) = name.strip_prefix("sm_") {
            (Kind::Sass, rest)
        } else {
            (Kind::Ptx, name.strip_prefix("compute_")?)
        };
        let (digits, variant) = match rest.as_bytes().last()? {
            b'a' => (&rest[..rest.len() - 1], Variant::ArchSpecific),
            b'f' => (&rest[..rest.len() - 1], Variant::FamilySpecific),
            _ => (rest, Variant::Plain),
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let arch: u32 = digits.parse().ok()?;
        (1..=MAX_ARCH).contains(&arch).then_some(Target {
            kind,
            arch,
            variant,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.kind {
            Kind::Sass => "sm_",
            Kind::Ptx => "compute_",
        };
        write!(f, "{prefix}{}{}", self.arch, self.variant.suffix())
    }
}

/// Every (kind, variant) set of a [`KernelImages`], in report order.
const SETS: [(Kind, Variant); 6] = [
    (Kind::Sass, Variant::Plain),
    (Kind::Sass, Variant::ArchSpecific),
    (Kind::Sass, Variant::FamilySpecific),
    (Kind::Ptx, Variant::Plain),
    (Kind::Ptx, Variant::ArchSpecific),
    (Kind::Ptx, Variant::FamilySpecific),
];

impl KernelImages {
    /// The set holding targets of `kind` and `variant`.
    pub fn set(&self, kind: Kind, variant: Variant) -> &BTreeSet<u32> {
        match (kind, variant) {
            (Kind::Sass, Variant::Plain) => &self.sass,
            (Kind::Sass, Variant::ArchSpecific) => &self.sass_arch_specific,
            (Kind::Sass, Variant::FamilySpecific) => &self.sass_family_specific,
            (Kind::Ptx, Variant::Plain) => &self.ptx,
            (Kind::Ptx, Variant::ArchSpecific) => &self.ptx_arch_specific,
            (Kind::Ptx, Variant::FamilySpecific) => &self.ptx_family_specific,
        }
    }

    /// Adds one target to its set.
    pub fn insert(&mut self, target: Target) {
        let set = match (target.kind, target.variant) {
            (Kind::Sass, Variant::Plain) => &mut self.sass,
            (Kind::Sass, Variant::ArchSpecific) => &mut self.sass_arch_specific,
            (Kind::Sass, Variant::FamilySpecific) => &mut self.sass_family_specific,
            (Kind::Ptx, Variant::Plain) => &mut self.ptx,
            (Kind::Ptx, Variant::ArchSpecific) => &mut self.ptx_arch_specific,
            (Kind::Ptx, Variant::FamilySpecific) => &mut self.ptx_family_specific,
        };
        set.insert(target.arch);
    }

    /// Every target, SASS before PTX, plain before `a` before `f`, by SM number within each.
    pub fn targets(&self) -> Vec<Target> {
        SETS.iter()
            .flat_map(|&(kind, variant)| {
                self.set(kind, variant).iter().map(move |&arch| Target {
                    kind,
                    arch,
                    variant,
                })
            })
            .collect()
    }

    /// The images named by `names` (`cuobjdump` style, as [`KernelImages::target_names`]
    /// writes them), and the names that are not targets. Only the target sets are filled.
    pub fn from_target_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> (KernelImages, Vec<String>) {
        let mut images = KernelImages::default();
        let mut unknown = Vec::new();
        for name in names {
            match Target::parse(name) {
                Some(t) => images.insert(t),
                None => unknown.push(name.to_string()),
            }
        }
        (images, unknown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "sm_50",
            "sm_90a",
            "sm_100f",
            "sm_120",
            "compute_90",
            "compute_90a",
            "compute_120f",
        ] {
            let t = Target::parse(name).unwrap();
            assert_eq!(t.to_string(), name);
        }
        let t = Target::parse("sm_103a").unwrap();
        assert_eq!(
            (t.kind, t.arch, t.variant),
            (Kind::Sass, 103, Variant::ArchSpecific)
        );
    }

    #[test]
    fn rejects_non_targets() {
        for name in [
            "",
            "sm_",
            "sm_a",
            "sm_9x",
            "sm_90b",
            "sm_0",
            "sm_+90",
            "sm_-1",
            "lto_90",
            "compute_",
            "sm_1001",
            "SM_90",
            "sm_90 ",
            "sm_99999999999",
        ] {
            assert_eq!(Target::parse(name), None, "{name:?}");
        }
    }

    #[test]
    fn names_fill_the_right_sets() {
        let (k, unknown) = KernelImages::from_target_names([
            "sm_80",
            "sm_90a",
            "sm_100f",
            "compute_90",
            "compute_90a",
            "compute_120f",
            "bogus",
        ]);
        assert_eq!(unknown, ["bogus"]);
        assert_eq!(k.sass.iter().copied().collect::<Vec<_>>(), [80]);
        assert!(k.sass_arch_specific.contains(&90));
        assert!(k.sass_family_specific.contains(&100));
        assert!(k.ptx.contains(&90) && k.ptx_arch_specific.contains(&90));
        assert!(k.ptx_family_specific.contains(&120));
        let names = k.target_names();
        let (back, none) = KernelImages::from_target_names(names.iter().map(String::as_str));
        assert!(none.is_empty());
        assert_eq!(back, k);
    }
}
