#!/usr/bin/env python3
"""Prints the highest GLIBC_x.y symbol version an ELF binary needs; fails above --max.

    python3 scripts/check-glibc.py [--max 2.17] BINARY

Reads the ELF's .gnu.version_r section (the version needs: one entry per library, one auxiliary
entry per version it needs) with the standard library only; 64-bit little-endian ELF.
"""
import argparse
import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE


def needed_versions(data):
    """Yields (library, version) for every version need in a 64-bit little-endian ELF image."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != SHT_GNU_VERNEED:
            continue
        strtab = sections[sh[6]]
        str_off = strtab[4]

        def name(off):
            start = str_off + off
            return data[start:data.index(b"\0", start)].decode()

        off, count = sh[4], sh[7]
        for _ in range(count):
            _, cnt, file_off, aux, nxt = struct.unpack_from("<HHIII", data, off)
            library = name(file_off)
            aoff = off + aux
            for _ in range(cnt):
                _, _, _, vname, anext = struct.unpack_from("<IHHII", data, aoff)
                yield library, name(vname)
                aoff += anext
            off += nxt


def version_key(text):
    return tuple(int(p) for p in text.split("."))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary")
    parser.add_argument("--max", help="fail when a GLIBC version above this one is needed")
    args = parser.parse_args()
    with open(args.binary, "rb") as f:
        data = f.read()
    glibc = sorted(
        {v[len("GLIBC_"):] for _, v in needed_versions(data) if v.startswith("GLIBC_2")},
        key=version_key,
    )
    if not glibc:
        print(f"{args.binary}: needs no GLIBC symbol versions")
        return 0
    highest = glibc[-1]
    print(f"{args.binary}: highest GLIBC version needed: {highest}")
    if args.max and version_key(highest) > version_key(args.max):
        above = [v for v in glibc if version_key(v) > version_key(args.max)]
        print(f"FAIL: needs GLIBC {', '.join(above)} (above {args.max})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
