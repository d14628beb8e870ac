#!/usr/bin/env python3
"""Static issue ceiling of the CUDA month loop, from the compiled SASS.

The CUDA kernel is issue-bound (docs in bench/RESULTS.md): every path-month executes the
body of the month loop once, so the instructions in that body bound the throughput at

    SMs * 4 schedulers * 32 lanes * clock / instructions-per-path-month

(one warp instruction per scheduler per cycle). This script compiles kernels/cuda.cu
with the build's flags for one architecture, disassembles it with cuobjdump, finds the
month loop of br_outcomes_kernel (the loop with the largest body that is not the
grid-stride loop: the same model code br_units_kernel runs) and prints its length, its
instruction mix, registers per thread and the resulting ceiling for an H100 SXM.

Usage: python3 bench/sass_loop.py [--arch sm_90] [--sms 132] [--ghz 1.755]
Needs nvcc (CUDA toolkit) and cuobjdump: the toolkit's, or from PyPI
(`pip install nvidia-cuda-cuobjdump`, which puts it under site-packages/nvidia/cu13/bin).
No GPU needed.
"""
import argparse
import collections
import glob
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The kernel flags of cmake/cuda.cmake (br_cuda_flags).
NVCC_FLAGS = ["-O3", "-std=c++17", "-fmad=false", "-prec-div=true", "-prec-sqrt=true",
              "-ftz=false"]


def find_cuobjdump():
    found = shutil.which("cuobjdump")
    if found:
        return found
    cands = glob.glob("/usr/local/cuda*/bin/cuobjdump")
    for base in {sysconfig.get_paths()["purelib"], *sys.path}:
        cands += glob.glob(os.path.join(base, "nvidia", "cu*", "bin", "cuobjdump"))
    cands += glob.glob("/tmp/*/lib/python3*/site-packages/nvidia/cu*/bin/cuobjdump")
    return cands[0] if cands else None


def parse(sass):
    """{function: [(address, instruction text)]}"""
    out, fn = {}, None
    for line in sass.splitlines():
        m = re.search(r"Function : (\S+)", line)
        if m:
            fn = m.group(1)
            out[fn] = []
            continue
        m = re.match(r"\s+/\*([0-9a-f]{4,6})\*/\s+(.*?)\s*;", line)
        if fn and m:
            out[fn].append((int(m.group(1), 16), m.group(2)))
    return out


def loops(code):
    """(start, end) of every backward branch, largest body first."""
    found = []
    for addr, text in code:
        m = re.search(r"BRA (?:!?U?P\w+, )?0x([0-9a-f]+)", text)
        if m and int(m.group(1), 16) < addr:
            found.append((int(m.group(1), 16), addr))
    return sorted(found, key=lambda se: se[0] - se[1])


# Results per clock per SM on compute capability 9.0 (CUDA C++ Programming Guide,
# throughput of native arithmetic instructions): FP32 add/mul/fma 128; 32-bit integer
# add, compare, min/max, logic and shift 64; integer multiply(-add) 64, on the FMA
# pipe's heavy half; conversions 16. Which opcode uses which pipe is read off the SASS
# names (ncu's pipe utilisation on a GPU is the measurement; this is the static estimate).
PIPE_RATE = {"fma": 128, "fmaheavy": 64, "alu": 64, "xu": 16}


def pipe_of(op):
    base = op.split(".")[0]
    if base in ("FFMA", "FADD", "FMUL"):
        return "fma"
    if base in ("IMAD", "IMUL"):
        return "fmaheavy"
    if base in ("LOP3", "SHF", "IADD3", "VIADD", "ISETP", "FSETP", "FSEL", "SEL", "FMNMX",
                "VIMNMX", "IMNMX", "LEA", "MOV", "PLOP3", "I2FP", "PRMT", "IABS", "P2R",
                "R2P", "FCHK"):
        return "alu"
    if base in ("MUFU", "I2F", "F2I", "F2F", "FRND", "POPC", "FLO", "BREV"):
        return "xu"
    if base.startswith("U") or base in ("LDG", "LDC", "LDS", "STS", "BRA", "VOTE", "WARPSYNC",
                                        "BSSY", "BSYNC", "CALL", "RET", "EXIT", "HFMA2"):
        return "mem/control/uniform"
    return "other"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="sm_90")
    ap.add_argument("--sms", type=int, default=132, help="SMs (H100 SXM: 132)")
    ap.add_argument("--ghz", type=float, default=1.755,
                    help="sustained SM clock (H100 SXM: 1.755 GHz at full load, 1.98 boost)")
    args = ap.parse_args()
    cuobjdump = find_cuobjdump()
    nvcc = shutil.which("nvcc") or "/usr/local/cuda/bin/nvcc"
    if not cuobjdump or not os.path.exists(nvcc):
        sys.exit("sass_loop.py: needs nvcc and cuobjdump (pip install nvidia-cuda-cuobjdump)")
    with tempfile.TemporaryDirectory() as tmp:
        cubin = os.path.join(tmp, "k.cubin")
        subprocess.run([nvcc, f"-arch={args.arch}", "-cubin", *NVCC_FLAGS,
                        "-I" + os.path.join(ROOT, "kernels"), "-I" + os.path.join(ROOT, "include"),
                        os.path.join(ROOT, "kernels", "cuda.cu"), "-o", cubin], check=True)
        sass = subprocess.run([cuobjdump, "-sass", cubin], check=True, capture_output=True,
                              text=True).stdout
        res = subprocess.run([cuobjdump, "--dump-resource-usage", cubin], check=True,
                             capture_output=True, text=True).stdout
    code = parse(sass)
    fn = next(f for f in code if "br_outcomes_kernel" in f)
    body_range = loops(code[fn])[1]  # [0] is the grid-stride loop around it
    body = [t for a, t in code[fn] if body_range[0] <= a <= body_range[1]]
    ops = collections.Counter(re.sub(r"^@!?U?P\w+\s+", "", t).split()[0] for t in body)
    n = len(body)
    print(f"month loop of {fn} ({args.arch}): {n} SASS instructions per path-month")
    # The equity round's block: skipped (uniform branch after a warp vote) by warps in
    # which no path closes a round: VOTE.ANY Pv, then the first forward branch on !Pv.
    skip = 0
    lines = [(a, t) for a, t in code[fn] if body_range[0] <= a <= body_range[1]]
    for k, (a, t) in enumerate(lines):
        vote = re.match(r"VOTE\.ANY (P\d)", t)
        if not vote:
            continue
        for b, u in lines[k + 1:]:
            m = re.match(r"@!" + vote.group(1) + r" BRA 0x([0-9a-f]+)", u)
            if m and int(m.group(1), 16) > b:
                skip = sum(1 for c, _ in lines if b < c < int(m.group(1), 16))
                break
    if skip:
        print(f"  of which {skip} are the equity round, skipped by a warp none of whose paths "
              f"closes one: {n - skip} then")
    print("  mix:", ", ".join(f"{k} {v}" for k, v in ops.most_common(12)))
    for line in res.splitlines():
        m = re.search(r"Function (\S+):", line)
        if m:
            name = m.group(1)
        m = re.search(r"REG:(\d+).*?LOCAL:(\d+)", line)
        if m:
            print(f"  {name}: {m.group(1)} registers, {m.group(2)} bytes local (spills)")
    lanes = args.sms * 4 * 32
    ceiling = lanes * args.ghz * 1e9 / n
    print(f"issue ceiling: {args.sms} SMs x 4 x 32 lanes x {args.ghz} GHz / {n} = "
          f"{ceiling:.3g} path-months/s")
    # Each pipe's own ceiling: its instructions in the loop at its rate per SM.
    per_pipe = collections.Counter()
    for op, k in ops.items():
        per_pipe[pipe_of(op)] += k
    per_pipe["fma"] += per_pipe["fmaheavy"]  # heavy-only work also fills the FMA pipes
    bounds = []
    for pipe, rate in PIPE_RATE.items():
        if per_pipe[pipe]:
            bounds.append((args.sms * rate * args.ghz * 1e9 / per_pipe[pipe], pipe))
    print("pipe ceilings: " + ", ".join(
        f"{p} {per_pipe[p]} at {PIPE_RATE[p]}/clk/SM: {c:.3g}" for c, p in sorted(bounds)))
    low = min(bounds + [(ceiling, "issue")])
    print(f"  static bound: {low[0]:.3g} path-months/s, set by {low[1]} "
          f"(unclassified opcodes: {per_pipe['other']})")


if __name__ == "__main__":
    main()
