#!/usr/bin/env python3
"""Times commands alternately in one run and prints medians and ratios against the first.

Usage: compare.py --runs N --warmup W 'label=command' 'label=command' ...
The first command is the subject; every other is a reference, and the ratio printed is
subject median / reference median (below 1.0: the subject is faster). Commands run through
`sh -c`, alternating (A B A B …) so drift on the machine hits both alike. Output is discarded.
A command that exits with a code not listed in --ok-codes is reported and counted as failed.
"""
import argparse
import statistics
import subprocess
import sys
import time


def run_once(cmd: str) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(["sh", "-c", cmd], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start, proc.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--ok-codes", default="0,1", help="exit codes counted as a normal run")
    ap.add_argument("commands", nargs="+", help="label=command")
    args = ap.parse_args()
    ok_codes = {int(c) for c in args.ok_codes.split(",")}
    labelled = [c.split("=", 1) for c in args.commands]
    if any(len(pair) != 2 for pair in labelled):
        ap.error("each command must be label=command")
    for _ in range(args.warmup):
        for _, cmd in labelled:
            run_once(cmd)
    times = {label: [] for label, _ in labelled}
    failures = {label: 0 for label, _ in labelled}
    for _ in range(args.runs):
        for label, cmd in labelled:
            secs, code = run_once(cmd)
            times[label].append(secs)
            if code not in ok_codes:
                failures[label] += 1
    subject = labelled[0][0]
    subject_median = statistics.median(times[subject])
    print(f"{'command':<28} {'median ms':>10} {'min ms':>8} {'max ms':>8} {'ratio':>7}  runs={args.runs}")
    for label, _ in labelled:
        med = statistics.median(times[label])
        ratio = subject_median / med if med > 0 else float("inf")
        note = f"  ({failures[label]} abnormal exits)" if failures[label] else ""
        print(f"{label:<28} {med * 1000:>10.1f} {min(times[label]) * 1000:>8.1f} "
              f"{max(times[label]) * 1000:>8.1f} {ratio:>7.2f}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
