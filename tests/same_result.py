#!/usr/bin/env python3
"""same_result.py REF.json OUT.json: exit 0 when two burnrate JSON results are equal but
for the fields that say when, where and how fast they ran (run.elapsed_s,
path_months_per_s, ranks, threads, device); 1 when they differ, naming the first top-level
part that does. The shell tests (mpi.sh, analysis.sh, slurm/run.sh) compare with it."""
import json
import sys

TIMING = ("elapsed_s", "path_months_per_s", "ranks", "threads", "device")


def norm(path):
    with open(path) as f:
        d = json.load(f)
    for k in TIMING:
        d["run"].pop(k, None)
    return d


def main():
    a, b = norm(sys.argv[1]), norm(sys.argv[2])
    if a == b:
        return 0
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            print("same_result: %s differs between %s and %s" % (k, sys.argv[1], sys.argv[2]),
                  file=sys.stderr)
            break
    return 1


if __name__ == "__main__":
    sys.exit(main())
