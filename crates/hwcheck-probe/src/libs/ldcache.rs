//! A pure parser of ldconfig's binary cache, /etc/ld.so.cache.
//!
//! Format (glibc `sysdeps/generic/dl-cache.h`): the new format starts with
//! `"glibc-ld.so.cache" "1.1"`, then `nlibs: u32`, `len_strings: u32`, `flags: u8` (2 = little,
//! 3 = big endian), 3 bytes of padding, `extension_offset: u32`, 3 unused `u32`s (48 bytes in
//! all), then `nlibs` entries of `{flags: i32, key: u32, value: u32, osversion: u32, hwcap:
//! u64}` (24 bytes); `key` (the soname) and `value` (the path) are offsets of NUL-terminated
//! strings counted from the start of the new-format header. Caches written by old ldconfig
//! versions put an old-format table (`"ld.so-1.7.0"`, `nlibs`, 12-byte entries) first, with the
//! new header after it at an 8-byte boundary.

/// One entry of the cache: the loader maps `soname` to `path` for processes whose ABI `flags`
/// match.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheEntry {
    /// Entry flags: low byte the library type (3 = ELF libc6), next byte the ABI (x86-64 = 3,
    /// AArch64 = 10).
    pub flags: i32,
    /// The soname the loader looks up, e.g. "libcudart.so.12".
    pub soname: String,
    /// The path it maps to, e.g. "/usr/lib/x86_64-linux-gnu/libcudart.so.12".
    pub path: String,
}

/// Most bytes of the cache read (real caches are tens to hundreds of KiB).
pub const MAX_CACHE_BYTES: u64 = 16 * 1024 * 1024;

const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const NEW_HEADER_LEN: usize = 48;
const NEW_ENTRY_LEN: usize = 24;
const OLD_ENTRY_LEN: usize = 12;
/// Longest string accepted from the string table.
const MAX_STRING: usize = 4096;

/// Library type "ELF, libc6".
const FLAG_ELF_LIBC6: i32 = 0x0003;
/// ABI flags of 64-bit x86 libraries.
const FLAG_X8664_LIB64: i32 = 0x0300;
/// ABI flags of 64-bit Arm libraries.
const FLAG_AARCH64_LIB64: i32 = 0x0a00;

/// Why a cache could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CacheError {
    /// Neither magic string was found where expected.
    #[error("not an ld.so.cache (no glibc-ld.so.cache1.1 header)")]
    BadMagic,
    /// A header or table lies past the end of the data.
    #[error("ld.so.cache is truncated ({0})")]
    Truncated(&'static str),
    /// The cache was written for the other byte order.
    #[error("ld.so.cache has an unknown byte order flag {0}")]
    ByteOrder(u8),
}

/// The flags the loader of this build accepts (ELF libc6 and this architecture's ABI byte).
pub fn host_flags() -> i32 {
    let abi = if cfg!(target_arch = "aarch64") {
        FLAG_AARCH64_LIB64
    } else {
        FLAG_X8664_LIB64
    };
    FLAG_ELF_LIBC6 | abi
}

impl CacheEntry {
    /// True when the loader of this build would use this entry.
    pub fn is_for_host(&self) -> bool {
        self.flags == host_flags()
    }
}

/// Parses a whole cache file. Entries keep the file's order, which is the order the loader
/// prefers among entries with the same soname.
pub fn parse_ld_so_cache(data: &[u8]) -> Result<Vec<CacheEntry>, CacheError> {
    let start = new_header_offset(data)?;
    let new = &data[start..];
    if new.len() < NEW_HEADER_LEN {
        return Err(CacheError::Truncated("header"));
    }
    let little = match new[28] {
        0 | 2 => cfg!(target_endian = "little"),
        3 => false,
        other => return Err(CacheError::ByteOrder(other)),
    };
    let u32_at = |at: usize| -> u32 {
        let raw = [0, 1, 2, 3].map(|i| new.get(at + i).copied().unwrap_or(0));
        if little {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        }
    };
    let nlibs = usize::try_from(u32_at(20)).unwrap_or(usize::MAX);
    let table_end = nlibs
        .checked_mul(NEW_ENTRY_LEN)
        .and_then(|n| n.checked_add(NEW_HEADER_LEN))
        .filter(|end| *end <= new.len())
        .ok_or(CacheError::Truncated("entry table"))?;
    let mut entries = Vec::with_capacity(nlibs);
    for at in (NEW_HEADER_LEN..table_end).step_by(NEW_ENTRY_LEN) {
        let flags = u32_at(at) as i32;
        let soname = string_at(new, u32_at(at + 4));
        let path = string_at(new, u32_at(at + 8));
        if let (Some(soname), Some(path)) = (soname, path) {
            entries.push(CacheEntry {
                flags,
                soname,
                path,
            });
        }
    }
    Ok(entries)
}

/// Where the new-format header starts: at 0, or after an old-format table.
fn new_header_offset(data: &[u8]) -> Result<usize, CacheError> {
    if data.starts_with(NEW_MAGIC) {
        return Ok(0);
    }
    if !data.starts_with(OLD_MAGIC) {
        return Err(CacheError::BadMagic);
    }
    let raw = data
        .get(12..16)
        .ok_or(CacheError::Truncated("old header"))?;
    let old_nlibs = u32::from_ne_bytes([raw[0], raw[1], raw[2], raw[3]]);
    let old_end = usize::try_from(old_nlibs)
        .ok()
        .and_then(|n| n.checked_mul(OLD_ENTRY_LEN))
        .and_then(|n| n.checked_add(16))
        .filter(|end| *end <= data.len())
        .ok_or(CacheError::Truncated("old entry table"))?;
    let aligned = old_end.div_ceil(8) * 8;
    [aligned, old_end]
        .into_iter()
        .find(|at| {
            data.get(*at..)
                .is_some_and(|rest| rest.starts_with(NEW_MAGIC))
        })
        .ok_or(CacheError::BadMagic)
}

/// The NUL-terminated string at `offset` of `data`, bounded; `None` when out of range.
fn string_at(data: &[u8], offset: u32) -> Option<String> {
    let start = usize::try_from(offset).ok()?;
    let rest = data.get(start..)?;
    let rest = &rest[..rest.len().min(MAX_STRING)];
    let end = rest.iter().position(|b| *b == 0)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new-format cache holding `entries` (flags, soname, path), little-endian.
    fn build(entries: &[(i32, &str, &str)]) -> Vec<u8> {
        let table = NEW_HEADER_LEN + entries.len() * NEW_ENTRY_LEN;
        let mut strings = Vec::new();
        let mut rows = Vec::new();
        for (flags, key, value) in entries {
            let k = table + strings.len();
            strings.extend_from_slice(key.as_bytes());
            strings.push(0);
            let v = table + strings.len();
            strings.extend_from_slice(value.as_bytes());
            strings.push(0);
            rows.push((*flags, k as u32, v as u32));
        }
        let mut out = NEW_MAGIC.to_vec();
        out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        out.extend_from_slice(&[2, 0, 0, 0]);
        out.resize(NEW_HEADER_LEN, 0);
        for (flags, k, v) in rows {
            out.extend_from_slice(&flags.to_le_bytes());
            out.extend_from_slice(&k.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(&[0; 12]);
        }
        out.extend_from_slice(&strings);
        out
    }

    #[test]
    fn parses_entries_in_file_order() {
        let data = build(&[
            (0x303, "libcudart.so.12", "/opt/a/libcudart.so.12"),
            (
                0x303,
                "libcudart.so.12",
                "/usr/lib/x86_64-linux-gnu/libcudart.so.12",
            ),
            (0x003, "libcudart.so.12", "/usr/lib32/libcudart.so.12"),
        ]);
        let entries = parse_ld_so_cache(&data).unwrap();
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].path, "/opt/a/libcudart.so.12");
        assert_eq!(entries[1].soname, "libcudart.so.12");
        assert_eq!(entries[2].flags, 3);
        assert!(!entries[2].is_for_host());
    }

    #[test]
    fn tolerates_the_old_format_prefix() {
        let new = build(&[(0x303, "libcuda.so.1", "/usr/lib64/libcuda.so.1")]);
        let mut data = OLD_MAGIC.to_vec();
        data.push(0);
        data.extend_from_slice(&1u32.to_ne_bytes());
        data.extend_from_slice(&[0; OLD_ENTRY_LEN]);
        data.resize(32, 0);
        data.extend_from_slice(&new);
        let entries = parse_ld_so_cache(&data).unwrap();
        assert_eq!(entries[0].path, "/usr/lib64/libcuda.so.1");
    }

    #[test]
    fn garbage_and_truncations_are_errors_not_panics() {
        assert_eq!(parse_ld_so_cache(b""), Err(CacheError::BadMagic));
        assert_eq!(parse_ld_so_cache(b"hello world"), Err(CacheError::BadMagic));
        let data = build(&[(0x303, "libcudnn.so.9", "/usr/lib/libcudnn.so.9")]);
        for cut in 0..data.len() {
            let _ = parse_ld_so_cache(&data[..cut]);
        }
        assert!(parse_ld_so_cache(&data[..NEW_HEADER_LEN + 10]).is_err());
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            let mut bytes = data.clone();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % bytes.len();
            bytes[at] = (seed >> 40) as u8;
            let _ = parse_ld_so_cache(&bytes);
        }
        let mut huge = data.clone();
        huge[20..24].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(
            parse_ld_so_cache(&huge),
            Err(CacheError::Truncated("entry table"))
        );
    }

    #[test]
    fn parses_this_machines_cache_like_ldconfig_does() {
        let Ok(data) = std::fs::read("/etc/ld.so.cache") else {
            return;
        };
        let entries = parse_ld_so_cache(&data).unwrap();
        assert!(entries.iter().all(|e| e.path.starts_with('/')));
        assert!(
            entries
                .iter()
                .any(|e| e.soname == "libc.so.6" && e.is_for_host()),
            "no libc.so.6 in {} entries",
            entries.len()
        );
        let Ok(out) = std::process::Command::new("ldconfig").arg("-p").output() else {
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout);
        let first = text.lines().next().unwrap_or_default();
        let count: usize = first
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert_eq!(count, entries.len(), "ldconfig -p says {first:?}");
        let second = text.lines().nth(1).unwrap_or_default();
        let (left, path) = second.split_once(" => ").unwrap_or_default();
        assert_eq!(
            left.trim().split(' ').next(),
            Some(entries[0].soname.as_str())
        );
        assert_eq!(path, entries[0].path);
    }
}
