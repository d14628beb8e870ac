#!/usr/bin/env bash
# mpi.sh: the distributed run and checkpoint/restart give exactly the result of one plain
# run. Usage: mpi.sh BURNRATE SCENARIO_DIR MODE, MODE one of
#   ranks       result identical for 1..4 ranks x 1..2 threads (MPI builds)
#   checkpoint  stop at several moments + resume, corrupt newest, mismatch, finished
#               (one rank, no launcher)
#   mpi-checkpoint  the same across rank counts, a real SIGUSR1 via mpirun, a failing rank
# Results are compared as JSON with the timing and machine fields removed.
set -euo pipefail
B=$1 S=$2 MODE=$3
source "$(dirname "$0")/lib.sh"
scratch_dir
MPIRUN=(mpirun --oversubscribe -np)

# 2 files x a 2-point sweep, 200K paths = 4 units each: 16 tasks.
RUN=(run "$S/xai-2026-base.ini" "$S/xai-capex-surge.ini" --paths 200K --quiet
     --sweep equity.success_normal=0.3,0.5)

# Wait until a run has written its first periodic checkpoint FILE (it is running).
started() { for _ in $(seq 300); do [ -e "$1" ] && return 0; sleep 0.1; done; fail "no $1"; }

"$B" "${RUN[@]}" --threads 2 --json ref.json
grep -q '"xai-2026-base\[equity.success_normal=0.3\]"' ref.json || fail "sweep point name"
grep -q '"ranks":[[:space:]]*1' ref.json || fail "run.ranks 1"

case $MODE in
ranks)
    for np in 1 2 3 4; do
        for t in 1 2; do
            "${MPIRUN[@]}" "$np" "$B" "${RUN[@]}" --threads "$t" --json "r$np-$t.json"
            same ref.json "r$np-$t.json"
            grep -q "\"ranks\":[[:space:]]*$np" "r$np-$t.json" || fail "run.ranks $np"
            echo "ok: $np ranks x $t threads"
        done
    done
    ;;
checkpoint)
    # Stop after k finished tasks (the hook raises SIGTERM), resume until finished.
    for k in 1 4 9; do
        rm -f ck ck.prev out.json
        BURNRATE_TEST_STOP_AFTER_TASKS=$k "$B" "${RUN[@]}" --json out.json --checkpoint ck \
            2> msg || fail "stop after $k: exit $?"
        grep -q "resume with: .* --resume ck" msg || fail "no resume line: $(cat msg)"
        [ ! -e out.json ] || fail "a stopped run wrote its result"
        BURNRATE_TEST_STOP_AFTER_TASKS=3 "$B" "${RUN[@]}" --json out.json --resume ck 2>/dev/null
        [ -e out.json ] || "$B" "${RUN[@]}" --json out.json --resume ck
        same ref.json out.json
        echo "ok: stop after $k tasks, resume"
    done
    # A real SIGTERM from outside during a longer run.
    rm -f ck ck.prev out.json
    LONG=(run "$S/xai-2026-base.ini" --paths 500K --quiet --threads 1
          --sweep equity.success_normal=0.3,0.4,0.5,0.6)
    "$B" "${LONG[@]}" --json longref.json
    "$B" "${LONG[@]}" --json out.json --checkpoint ck --checkpoint-every 0.2 2> msg &
    pid=$!
    started ck
    kill -TERM $pid
    wait $pid || fail "SIGTERM: exit $?"
    grep -q "stopped by a signal" msg || fail "SIGTERM not reported: $(cat msg)"
    "$B" "${LONG[@]}" --json out.json --resume ck
    same longref.json out.json
    echo "ok: external SIGTERM, resume"
    # A damaged newest checkpoint: the previous one, with a warning.
    rm -f ck ck.prev out.json
    BURNRATE_TEST_STOP_AFTER_TASKS=4 "$B" "${RUN[@]}" --json out.json --checkpoint ck 2>/dev/null
    BURNRATE_TEST_STOP_AFTER_TASKS=4 "$B" "${RUN[@]}" --json out.json --resume ck 2>/dev/null
    [ -e ck.prev ] || fail "no ck.prev"
    head -c 1000 ck > ck.cut && mv ck.cut ck
    "$B" "${RUN[@]}" --json out.json --resume ck 2> msg
    grep -q "warning: --resume ck: .*using the previous checkpoint ck.prev" msg ||
        fail "no fallback warning: $(cat msg)"
    same ref.json out.json
    echo "ok: truncated newest checkpoint falls back to .prev"
    # Resuming a finished run rewrites nothing.
    rm -f out.json
    "$B" "${RUN[@]}" --json out.json --resume ck 2> msg || fail "finished resume: exit $?"
    grep -q "already finished" msg || fail "finished not reported: $(cat msg)"
    [ ! -e out.json ] || fail "a finished resume rewrote the result"
    echo "ok: resuming a finished run"
    # Mismatches: exit 2, naming what differs.
    rm -f ck ck.prev
    BURNRATE_TEST_STOP_AFTER_TASKS=1 "$B" "${RUN[@]}" --checkpoint ck 2>/dev/null
    set +e
    "$B" "${RUN[@]}" --resume ck --set revenue.vol=0.11 2> msg; rc=$?
    [ $rc -eq 2 ] && grep -q "resolved parameters .* differ" msg || fail "param mismatch: $rc $(cat msg)"
    "$B" "${RUN[@]}" --resume ck --seed 7 2> msg; rc=$?
    [ $rc -eq 2 ] && grep -q "seed 7 differs" msg || fail "seed mismatch: $rc $(cat msg)"
    "$B" "${RUN[@]}" --resume ck --paths 300K 2> msg; rc=$?
    [ $rc -eq 2 ] && grep -q "paths 300000 differs" msg || fail "paths mismatch: $rc $(cat msg)"
    "$B" run "$S/xai-2026-base.ini" --paths 200K --resume ck 2> msg; rc=$?
    [ $rc -eq 2 ] && grep -q "scenarios" msg || fail "count mismatch: $rc $(cat msg)"
    echo garbage > bad; "$B" "${RUN[@]}" --resume bad 2> msg; rc=$?
    [ $rc -eq 2 ] && grep -q "not a burnrate checkpoint" msg || fail "garbage: $rc $(cat msg)"
    set -e
    echo "ok: mismatches exit 2"
    ;;
mpi-checkpoint)
    # Stop under one rank count, resume under others.
    rm -f ck ck.prev out.json
    BURNRATE_TEST_STOP_AFTER_TASKS=3 "${MPIRUN[@]}" 3 "$B" "${RUN[@]}" --threads 1 \
        --json out.json --checkpoint ck 2> msg
    grep -q "resume with:" msg || fail "no resume line: $(cat msg)"
    BURNRATE_TEST_STOP_AFTER_TASKS=4 "${MPIRUN[@]}" 2 "$B" "${RUN[@]}" --threads 1 \
        --json out.json --resume ck 2>/dev/null
    [ -e out.json ] || "$B" "${RUN[@]}" --json out.json --resume ck
    same ref.json out.json
    echo "ok: stop on 3 ranks, resume on 2 then 1"
    # A damaged newest checkpoint under MPI.
    rm -f out.json
    "${MPIRUN[@]}" 4 "$B" "${RUN[@]}" --threads 1 --json out.json --resume ck 2> msg
    grep -q "already finished" msg || fail "finished not reported: $(cat msg)"
    printf 'XXXX' | dd of=ck bs=1 seek=200 conv=notrunc 2>/dev/null
    "${MPIRUN[@]}" 4 "$B" "${RUN[@]}" --threads 1 --json out.json --resume ck 2> msg
    grep -q "using the previous checkpoint" msg || fail "no fallback: $(cat msg)"
    same ref.json out.json
    echo "ok: corrupt newest checkpoint under 4 ranks"
    # SIGUSR1 to mpirun (forwarded to every rank, as Slurm's --signal does).
    rm -f ck ck.prev out.json
    LONG=(run "$S/xai-2026-base.ini" --paths 500K --quiet --threads 1
          --sweep equity.success_normal=0.3,0.4,0.5,0.6)
    "$B" "${LONG[@]}" --threads 2 --json longref.json
    "${MPIRUN[@]}" 2 "$B" "${LONG[@]}" --json out.json --checkpoint ck \
        --checkpoint-every 0.2 2> msg &
    pid=$!
    started ck
    kill -USR1 $pid
    wait $pid || fail "SIGUSR1: exit $?"
    grep -q "stopped by a signal" msg || fail "SIGUSR1 not reported: $(cat msg)"
    "${MPIRUN[@]}" 3 "$B" "${LONG[@]}" --json out.json --resume ck
    same longref.json out.json
    echo "ok: SIGUSR1 via mpirun, resume on 3 ranks"
    # A rank that fails fails the job, with its message, without hanging.
    set +e
    BURNRATE_TEST_FAIL_RANK=2 timeout 60 "${MPIRUN[@]}" 3 "$B" "${RUN[@]}" --threads 1 2> msg
    rc=$?
    set -e
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "failing rank: exit $rc"
    grep -q "burnrate: rank 2: test failure" msg || fail "failing rank message: $(cat msg)"
    echo "ok: a failing rank fails the job (exit $rc)"
    ;;
*) fail "unknown mode $MODE" ;;
esac
echo "PASS: $MODE"
