#!/usr/bin/env python3
"""reap.py DIR: end every process started by tests/slurm/run.sh for work directory DIR.

run.sh exports BR_SLURM_TEST_DIR=DIR before it starts anything, so munged, slurmctld,
slurmd, slurmstepd and the job tasks all carry it in their environment: exactly those are
sent SIGTERM, then SIGKILL after 5 s, by pid. This process and its parent are spared."""
import os
import signal
import sys
import time

mark = ("BR_SLURM_TEST_DIR=" + sys.argv[1]).encode()
spare = {os.getpid(), os.getppid()}


def ours():
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) in spare:
            continue
        try:
            with open("/proc/%s/environ" % p, "rb") as f:
                if mark in f.read().split(b"\0"):
                    found.append(int(p))
        except OSError:
            pass
    return found


for sig in (signal.SIGTERM, signal.SIGKILL):
    for p in ours():
        try:
            os.kill(p, sig)
        except OSError:
            pass
    for _ in range(50):
        if not ours():
            sys.exit(0)
        time.sleep(0.1)
