//! `judge` against NVIDIA's binary / PTX compatibility rules.

mod common;

use common::*;
use hwcheck_kernels::{judge, scan_bytes, KernelImages, Support};

fn images(sass: &[u32], sass_a: &[u32], ptx: &[u32]) -> KernelImages {
    KernelImages {
        sass: sass.iter().copied().collect(),
        sass_arch_specific: sass_a.iter().copied().collect(),
        ptx: ptx.iter().copied().collect(),
        ..KernelImages::default()
    }
}

#[test]
fn h100_h200_with_sm90a_runs_sass() {
    let k = images(&[], &[90], &[]);
    assert_eq!(judge(&k, (9, 0)), Support::Sass { arch: 90 });
    // Through the parser too.
    let k = scan_bytes(&multi_arch()).unwrap();
    assert_eq!(judge(&k, (9, 0)), Support::Sass { arch: 90 });
}

#[test]
fn ada_89_uses_best_same_major_sass() {
    let k = images(&[80, 86], &[], &[]);
    assert_eq!(judge(&k, (8, 9)), Support::Sass { arch: 86 });
    let k = scan_bytes(&multi_arch()).unwrap();
    assert_eq!(judge(&k, (8, 9)), Support::Sass { arch: 86 });
}

#[test]
fn orin_87_runs_sm80() {
    let k = images(&[80], &[], &[]);
    assert_eq!(judge(&k, (8, 7)), Support::Sass { arch: 80 });
}

#[test]
fn higher_minor_sass_does_not_run_on_lower_minor() {
    let k = images(&[86], &[], &[]);
    assert_eq!(judge(&k, (8, 0)), Support::None);
    let k = images(&[86], &[], &[80]);
    assert_eq!(judge(&k, (8, 0)), Support::PtxJit { ptx: 80 });
}

#[test]
fn blackwell_120_with_sm90_and_ptx90_jits() {
    let k = images(&[90], &[], &[90]);
    assert_eq!(judge(&k, (12, 0)), Support::PtxJit { ptx: 90 });
}

#[test]
fn blackwell_120_with_only_sm80_has_nothing() {
    let k = images(&[80], &[], &[]);
    assert_eq!(judge(&k, (12, 0)), Support::None);
}

#[test]
fn pascal_61_with_turing_and_newer_has_nothing() {
    let k = scan_bytes(&multi_arch()).unwrap(); // sm_75+ and compute_90
    assert_eq!(judge(&k, (6, 1)), Support::None);
    let k = scan_bytes(&container(&[Entry::new(SASS, 61, 0)])).unwrap();
    assert_eq!(judge(&k, (6, 1)), Support::Sass { arch: 61 });
}

#[test]
fn b200_100_with_only_sm90a_has_nothing() {
    let k = images(&[], &[90], &[]);
    assert_eq!(judge(&k, (10, 0)), Support::None);
}

#[test]
fn majors_never_cross() {
    assert_eq!(judge(&images(&[120], &[], &[]), (10, 0)), Support::None);
    assert_eq!(judge(&images(&[100], &[], &[]), (12, 0)), Support::None);
    assert_eq!(judge(&images(&[90], &[], &[]), (10, 0)), Support::None);
    assert_eq!(judge(&images(&[75], &[], &[]), (8, 0)), Support::None);
}

#[test]
fn arch_specific_runs_only_on_exact_cc() {
    let k = images(&[], &[100, 120], &[]);
    assert_eq!(judge(&k, (10, 0)), Support::Sass { arch: 100 });
    assert_eq!(judge(&k, (10, 3)), Support::None);
    assert_eq!(judge(&k, (12, 0)), Support::Sass { arch: 120 });
    assert_eq!(judge(&k, (12, 1)), Support::None);
}

#[test]
fn family_specific_runs_on_same_major_higher_minor() {
    let k = KernelImages {
        sass_family_specific: [100, 120].into_iter().collect(),
        ..KernelImages::default()
    };
    assert_eq!(judge(&k, (10, 0)), Support::Sass { arch: 100 });
    assert_eq!(judge(&k, (10, 3)), Support::Sass { arch: 100 });
    assert_eq!(judge(&k, (12, 1)), Support::Sass { arch: 120 });
    assert_eq!(judge(&k, (11, 0)), Support::None);
    let k = KernelImages {
        sass_family_specific: [103].into_iter().collect(),
        ..KernelImages::default()
    };
    assert_eq!(judge(&k, (10, 0)), Support::None);
}

#[test]
fn ptx_rules() {
    // Plain PTX JITs on anything at or above it, across majors.
    let k = images(&[], &[], &[52, 80]);
    assert_eq!(judge(&k, (12, 1)), Support::PtxJit { ptx: 80 });
    assert_eq!(judge(&k, (7, 5)), Support::PtxJit { ptx: 52 });
    assert_eq!(judge(&k, (5, 0)), Support::None);
    // Arch-specific PTX only on the exact CC; family PTX within the major.
    let k = KernelImages {
        ptx_arch_specific: [90].into_iter().collect(),
        ptx_family_specific: [100].into_iter().collect(),
        ..KernelImages::default()
    };
    assert_eq!(judge(&k, (9, 0)), Support::PtxJit { ptx: 90 });
    assert_eq!(judge(&k, (10, 3)), Support::PtxJit { ptx: 100 });
    assert_eq!(judge(&k, (12, 0)), Support::None);
}

#[test]
fn sass_preferred_over_newer_ptx() {
    let k = images(&[80], &[], &[86]);
    assert_eq!(judge(&k, (8, 6)), Support::Sass { arch: 80 });
}

#[test]
fn empty_images_and_odd_cc() {
    assert_eq!(judge(&KernelImages::default(), (9, 0)), Support::None);
    assert_eq!(
        judge(&images(&[90], &[], &[90]), (u32::MAX, u32::MAX)),
        Support::PtxJit { ptx: 90 }
    );
}

#[test]
fn support_serializes_with_a_tag() {
    let json = serde_json::to_string(&Support::Sass { arch: 86 }).unwrap();
    assert_eq!(json, r#"{"kind":"sass","arch":86}"#);
    let json = serde_json::to_string(&Support::None).unwrap();
    assert_eq!(json, r#"{"kind":"none"}"#);
}
