use super::*;
use crate::rows::testing::override_error;

fn table() -> GpuTable {
    GpuTable::load(None).unwrap()
}

fn cc(t: &GpuTable, name: &str) -> Option<String> {
    t.model(name).map(|r| r.cc.to_string())
}

#[test]
fn nvml_names_map_to_compute_capability() {
    let t = table();
    for (name, want) in [
        ("NVIDIA H100 80GB HBM3", "9.0"),
        ("NVIDIA A100-SXM4-80GB", "8.0"),
        ("NVIDIA A10G", "8.6"),
        ("NVIDIA A10", "8.6"),
        ("Tesla V100-SXM2-16GB", "7.0"),
        ("NVIDIA GB200", "10.0"),
        ("NVIDIA B200", "10.0"),
        ("NVIDIA GeForce RTX 4090", "8.9"),
        ("NVIDIA GeForce RTX 4090 Laptop GPU", "8.9"),
        ("NVIDIA L4", "8.9"),
        ("NVIDIA L40S", "8.9"),
        ("GeForce GTX 1080 Ti", "6.1"),
        ("Tesla T4", "7.5"),
        ("NVIDIA T4", "7.5"),
        ("Orin (nvgpu)", "8.7"),
    ] {
        assert_eq!(cc(&t, name).as_deref(), Some(want), "{name}");
    }
    assert_eq!(cc(&t, "Some Future GPU"), None);
}

#[test]
fn short_forms_people_type_resolve() {
    let t = table();
    for (name, want) in [
        ("GTX 1080", "GeForce GTX 1080"),
        ("NVIDIA GeForce GTX 1080", "GeForce GTX 1080"),
        ("gtx1080", "GeForce GTX 1080"),
        ("RTX 4090", "GeForce RTX 4090"),
        ("rtx-4090", "GeForce RTX 4090"),
        ("A100-SXM4-40GB", "A100 SXM4 40GB"),
        ("H200", "H200 SXM"),
        ("V100", "Tesla V100 SXM2 16GB"),
        ("H100", "H100 SXM5"),
        ("H100 80GB HBM3", "H100 SXM5"),
        ("A6000", "RTX A6000"),
    ] {
        let row = t.lookup(name).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(row.name, want, "{name}");
    }
    // A100 SXM4 40GB, 80GB and PCIe all agree on CC 8.0 and class: "A100" answers.
    assert_eq!(cc(&t, "A100").as_deref(), Some("8.0"));
}

#[test]
fn unknown_names_list_close_matches() {
    let t = table();
    let err = t.lookup("RTX 4091").unwrap_err();
    let LookupError::Unknown { close, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        !close.is_empty() && close.len() <= MAX_SUGGESTIONS,
        "{close:?}"
    );
    assert!(close.iter().any(|c| c.contains("RTX 4090")), "{close:?}");
    assert!(err.to_string().contains("did you mean"), "{err}");
    let err = t.lookup("Voodoo 5").unwrap_err().to_string();
    assert!(err.contains("unknown GPU"), "{err}");
    assert!(t.lookup("").is_err());
    assert!(t.lookup(&"x".repeat(100_000)).is_err());
}

#[test]
fn gpus_table_rows_are_unique_and_complete() {
    let t = table();
    let (rows, unconfirmed) = t.counts();
    assert!(rows >= 300 && unconfirmed < rows, "{rows} {unconfirmed}");
    let mut names: Vec<&str> = t.gpus.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "duplicate names");
    for class in [
        GpuClass::Geforce,
        GpuClass::Workstation,
        GpuClass::DataCenter,
        GpuClass::Jetson,
    ] {
        assert!(t.gpus.iter().any(|r| r.class == class), "{class:?}");
    }
}

#[test]
fn classes() {
    let t = table();
    let class = |n: &str| t.class(n).map(|c| c.0);
    assert_eq!(class("NVIDIA H100 80GB HBM3"), Some(GpuClass::DataCenter));
    assert_eq!(class("NVIDIA GeForce GTX 1050 Ti"), Some(GpuClass::Geforce));
    assert_eq!(class("Quadro RTX 8000"), Some(GpuClass::Workstation));
    assert_eq!(class("Tesla P4"), Some(GpuClass::DataCenter));
    assert_eq!(class("NVIDIA GeForce RTX 9090"), Some(GpuClass::Geforce));
    assert_eq!(class("NVIDIA RTX A9999"), Some(GpuClass::Workstation));
    assert_eq!(class("Mystery"), None);
}

#[test]
fn toolkit_brands() {
    assert_eq!(toolkit_brand("Tesla T4", GpuClass::DataCenter), "tesla");
    assert_eq!(
        toolkit_brand("A100 SXM4 80GB", GpuClass::DataCenter),
        "unknown"
    );
    assert_eq!(
        toolkit_brand("GeForce RTX 4090", GpuClass::Geforce),
        "geforce"
    );
    assert_eq!(toolkit_brand("TITAN RTX", GpuClass::Geforce), "titan");
    assert_eq!(
        toolkit_brand("Quadro RTX 8000", GpuClass::Workstation),
        "quadro"
    );
}

#[test]
fn normalising_drops_brands_and_form_factors() {
    assert_eq!(normalise("Tesla V100-SXM2-16GB"), "v100");
    assert_eq!(normalise("NVIDIA H100 80GB HBM3"), "h100");
    assert_eq!(normalise("NVIDIA GeForce RTX 4090 Laptop GPU"), "rtx 4090");
    assert_eq!(normalise("NVIDIA A100 80GB PCIe"), "a100");
    assert_eq!(
        normalise("GeForce GTX 1080 with Max-Q Design"),
        "gtx 1080 max q"
    );
}

#[test]
fn bad_rows_are_reported_with_their_row() {
    let text = "[[gpu]]\nname = \"x\"\ncc = \"9\"\narch = \"a\"\nclass = \"geforce\"\nsource = \"https://a.b/c\"\n";
    let err = override_error(FILE_NAME, text, GpuTable::load);
    assert!(
        err.contains("gpus.toml") && err.contains("[[gpu]] row 1"),
        "{err}"
    );
}
