#!/usr/bin/env bash
# run.sh: slurm/burnrate-cpu.sbatch under a real Slurm. The test starts its own one-node
# cluster on 127.0.0.1 (Debian's slurm-wlm and munge: its own munged, slurmctld and slurmd
# on free ports, everything under one temporary directory), submits the job script with
# sbatch and checks:
#   A. a job runs `srun burnrate run ...` on RANKS MPI ranks to the end; its JSON equals a
#      plain run's (but for timing and machine fields) and says run.ranks = RANKS;
#   B. the same job sent SIGUSR1 while it runs (scancel --signal=USR1: what Slurm's
#      --signal does before the time limit) checkpoints, exits 0, the script requeues it
#      and the restarted job resumes from the checkpoint to the plain run's result;
#   C. a job whose run fails (bad input) ends FAILED with burnrate's message, not requeued,
#      and (C2) neither is a job whose step ended without running burnrate;
#   D. a job with a real 1-minute time limit and --signal=USR1@25 gets the signal from
#      slurmctld, checkpoints, is requeued and resumes to the plain run's result.
# Usage (as root): tests/slurm/run.sh [BURNRATE_OR_BUILD_DIR] [RANKS]
#   RANKS: MPI ranks of jobs A and B (default 2 when burnrate links libmpi, else 1; at most
#   the node's CPUs). KEEP=1 keeps the work directory; LONG_SECONDS (40) sizes job D.
# Exit 77 (skipped) when not root or Slurm/munge are not installed.
set -euo pipefail
export PATH=$PATH:/usr/sbin:/sbin
skip() { echo "SKIP: $*"; exit 77; }
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib.sh" # fail, same, Open MPI settings
ROOT=$(cd "$HERE/../.." && pwd)
B=${1:-$ROOT/build/burnrate}
[ -d "$B" ] && B=$B/burnrate
[ -x "$B" ] || fail "no burnrate executable at $B"
B=$(cd "$(dirname "$B")" && pwd)/$(basename "$B")
[ "$(id -u)" = 0 ] || skip "needs root (it runs munged, slurmctld and slurmd)"
for c in slurmctld slurmd munged sbatch srun squeue sinfo scontrol scancel python3; do
    command -v "$c" >/dev/null ||
        skip "$c not found (Debian: apt-get install slurm-wlm munge)"
done
if [ -n "${2:-}" ]; then RANKS=$2
elif ldd "$B" 2>/dev/null | grep -q libmpi; then RANKS=2
else RANKS=1; fi
S=$ROOT/scenarios/xai-2026-base.ini
T_START=$(date +%s)

# Nothing from an enclosing job or launcher may leak into the cluster or the plain runs.
for v in $(compgen -e | grep -E '^(SLURM_|SBATCH_|SRUN_|PMIX_|PMI_|OMPI_COMM_WORLD)'); do
    unset "$v"
done
unset MPI_LOCALNRANKS

W=$(mktemp -d /tmp/br-slurm.XXXXXX)
chmod 755 "$W"         # munged wants every directory above its socket executable by all
# Every process this test starts (daemons, slurmstepd, job tasks) inherits this variable:
# cleanup (reap.py) ends exactly those, by pid.
export BR_SLURM_TEST_DIR=$W
export SLURM_CONF=$W/slurm.conf
OK=0
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ "$OK" != 1 ] && [ -d "$W" ]; then
        echo "--- logs ($W) ---" >&2
        for f in "$W"/slurmctld.log "$W"/slurmd.log "$W"/job-*.out "$W"/munge/log; do
            [ -e "$f" ] && { echo "--- $f" >&2; grep -v '\] debug' "$f" | tail -n 25 >&2; }
        done
    fi
    # The daemons first (no new job steps), then all else this test started.
    [ -n "${CTLD:-}" ] && kill "$CTLD" 2>/dev/null
    [ -n "${SLURMD:-}" ] && kill "$SLURMD" 2>/dev/null
    python3 "$HERE/reap.py" "$W"
    wait 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $W"; else rm -rf "$W"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# Should this script be killed outright (SIGKILL, e.g. by a test timeout), a watchdog
# outside its process tree ends what it started and removes the directory.
# shellcheck disable=SC2016  # the watchdog's own "$1" .. "$3"
setsid -f bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done
                   python3 "$2" "$3"; rm -rf "$3"' watchdog "$$" "$HERE/reap.py" "$W" \
    </dev/null >/dev/null 2>&1
cd "$W"

# --- munge: its own key, socket and daemon --------------------------------------------
mkdir -m 755 munge
dd if=/dev/urandom of=munge/munge.key bs=1024 count=1 status=none
chmod 400 munge/munge.key
munged --socket="$W/munge/sock" --key-file="$W/munge/munge.key" \
    --pid-file="$W/munge/pid" --log-file="$W/munge/log" --seed-file="$W/munge/seed" ||
    fail "munged did not start: $(tail -n 3 "$W/munge/log" 2>/dev/null)"

# --- Slurm: one node, this machine's CPUs, no cgroups ----------------------------------
read -r PORT_CTLD PORT_SLURMD < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
# The node as slurmd sees the hardware (slurmd -C), so it registers without a mismatch.
HW=$(slurmd -C | head -n 1 | tr ' ' '\n' |
     grep -E '^(CPUs|Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=' | tr '\n' ' ')
CPUS=$(sed -E 's/.*CPUs=([0-9]+).*/\1/' <<<"$HW")
[ "$RANKS" -le "$CPUS" ] || RANKS=$CPUS
CPT=$(( 2 / RANKS > 0 ? 2 / RANKS : 1 ))       # threads per rank in A and B: 2 in all
[ $(( CPT * RANKS )) -le "$CPUS" ] || CPT=1
mkdir state spool
: > plugstack.conf
cat > slurm.conf <<CONF
ClusterName=brtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$PORT_CTLD
SlurmdPort=$PORT_SLURMD
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
# cred_expire is also how long a requeued job waits before it may start again (120 s)
AuthInfo=socket=$W/munge/sock,cred_expire=5
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
PlugStackConfig=$W/plugstack.conf
MailProg=/bin/true
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
# a requeued job starts at the next scheduling pass: every second, not every minute
SchedulerParameters=sched_interval=1
ReturnToService=2
MpiDefault=pmix
JobRequeue=1
KillWait=5
MinJobAge=3600
# debug2 logs each time-limit test (every 30 s), which case C times its job by
SlurmctldDebug=debug2
NodeName=brnode NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=debug Nodes=brnode Default=YES MaxTime=INFINITE State=UP
CONF
srun --mpi=list 2>&1 | grep -qw pmix || sed -i 's/^MpiDefault=pmix/MpiDefault=pmi2/' slurm.conf
slurmctld -D -f "$SLURM_CONF" > slurmctld.out 2>&1 &
CTLD=$!
slurmd -D -N brnode -f "$SLURM_CONF" > slurmd.out 2>&1 &
SLURMD=$!
for _ in $(seq 120); do
    [ "$(sinfo -h -n brnode -o %T 2>/dev/null)" = idle ] && break
    kill -0 "$CTLD" 2>/dev/null || fail "slurmctld exited: $(tail -n 5 slurmctld.out)"
    kill -0 "$SLURMD" 2>/dev/null || fail "slurmd exited: $(tail -n 5 slurmd.out)"
    sleep 0.5
done
[ "$(sinfo -h -n brnode -o %T)" = idle ] || fail "node not idle after 60 s: $(sinfo -h)"
echo "ok: one-node Slurm up ($(sinfo -V), ${HW% }, MPI $(grep ^MpiDefault slurm.conf | cut -d= -f2)) in $(( $(date +%s) - T_START )) s"

# --- helpers ---------------------------------------------------------------------------
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"][sys.argv[2]])' "$1" "$2"; }
job() { # job ID FIELD: JobState, Restarts, ExitCode... from scontrol
    scontrol -o show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"
}
# A job's end: a base state Slurm never leaves. Anything else may still change, and waits
# go by this list, not by a list of running states: a job briefly shows SIGNALING while
# slurmctld delivers --signal, COMPLETING or REQUEUED while it is requeued (Restarts not
# yet counted), and so on. (CI once saw job D leave a RUNNING|PENDING|... wait that way.)
ended() { # ended STATE: true for a final state
    case $1 in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|PREEMPTED|BOOT_FAIL|DEADLINE) ;;
    *) return 1 ;; esac
}
wait_job() { # wait_job ID SECONDS: until it ends; then it must have COMPLETED
    local s
    for _ in $(seq $(( $2 * 2 ))); do
        s=$(job "$1" JobState) || s= # a failed scontrol call: ask again
        [ "$s" = COMPLETED ] && return 0
        ended "$s" && fail "job $1 ended $s (exit $(job "$1" ExitCode)): $(cat "job-$1.out")"
        sleep 0.5
    done
    fail "job $1 still $s after $2 s"
}
expect_failed() { # expect_failed ID WHAT MESSAGE: the job ends FAILED, never requeued, saying MESSAGE
    for _ in $(seq 240); do
        ended "$(job "$1" JobState)" && break
        sleep 0.25
    done
    if [ "$(job "$1" JobState)" != FAILED ] || [ "$(job "$1" Restarts)" != 0 ]; then
        fail "job $1 $2: $(job "$1" JobState), $(job "$1" Restarts) restarts, not FAILED and 0"
    fi
    grep -q "$3" "job-$1.out" || fail "job $1: no message: $(cat "job-$1.out")"
}
submit() { # submit SBATCH_OPTIONS...: the job id; its output goes to job-ID.out
    sbatch --parsable -D "$W" -o "$W/job-%j.out" "$@" "$ROOT/slurm/burnrate-cpu.sbatch"
}
# What the job script takes from the environment (sbatch exports it to the job).
export BURNRATE=$B SCENARIOS=$S

# --- A. to the end ---------------------------------------------------------------------
# 6M paths (92 work units): a few seconds on 2 CPUs, long enough for B's signal to land.
P=${PATHS_AB:-6M}
t=$(date +%s)
"$B" run "$S" --paths "$P" --threads 2 --quiet --json ref.json
echo "ok: plain run, $P paths on 2 threads, $(field ref.json elapsed_s | cut -c1-5) s"
t=$(date +%s)
j=$(PATHS=$P OUT=$W/a EVERY=1 submit --nodes=1 --ntasks-per-node="$RANKS" \
        --cpus-per-task="$CPT" --time=5)
wait_job "$j" 120
same ref.json a/result.json
[ "$(field a/result.json ranks)" = "$RANKS" ] ||
    fail "job $j ran on $(field a/result.json ranks) ranks, not $RANKS (srun --mpi?)"
[ "$(field a/result.json threads)" = "$CPT" ] ||
    fail "job $j ran $(field a/result.json threads) threads per rank, not $CPT"
[ "$(job "$j" Restarts)" = 0 ] || fail "job $j was restarted"
echo "ok: A. job $j: srun, $RANKS rank(s) x $CPT thread(s), result equals the plain run (job $(( $(date +%s) - t )) s, burnrate $(field a/result.json elapsed_s | cut -c1-5) s)"

# --- B. SIGUSR1 -> checkpoint -> requeue -> resume ---------------------------------------
t=$(date +%s)
j=$(PATHS=$P OUT=$W/b EVERY=1 submit --nodes=1 --ntasks-per-node="$RANKS" \
        --cpus-per-task="$CPT" --time=5)
# The first periodic checkpoint (after 1 s) says burnrate is running, its handlers set.
for _ in $(seq 600); do [ -e b/burnrate.ckpt ] && break; sleep 0.1; done
[ -e b/burnrate.ckpt ] || fail "job $j wrote no checkpoint in 60 s: $(cat "job-$j.out")"
scancel --signal=USR1 "$j"      # to every task of every step, not the batch shell
wait_job "$j" 180
grep -q "stopped by a signal" "job-$j.out" || fail "job $j: no stop: $(cat "job-$j.out")"
grep -q "requeueing job $j" "job-$j.out" || fail "job $j: not requeued: $(cat "job-$j.out")"
grep -q "resuming from" "job-$j.out" || fail "job $j: restart did not resume"
[ "$(job "$j" Restarts)" = 1 ] || fail "job $j restarted $(job "$j" Restarts) times, not 1"
same ref.json b/result.json
echo "ok: B. job $j: SIGUSR1, checkpoint, requeued, resumed to the plain run's result ($(( $(date +%s) - t )) s)"

# --- C. a run that fails fails the job: no requeue ----------------------------------------
t=$(date +%s)
j=$(PATHS=1M OUT=$W/c EXTRA="--set no.such=1" submit --nodes=1 --ntasks-per-node=1 \
        --cpus-per-task=1 --time=5)
expect_failed "$j" "with bad input" "unknown key 'no.such'"
echo "ok: C. job $j: bad input, burnrate exits $(job "$j" ExitCode | cut -d: -f1), job FAILED, not requeued ($(( $(date +%s) - t )) s)"

# --- C2. a step that ends without running burnrate is not requeued either ----------------
# (srun can return 0 for a step that never launched; requeueing it would loop.) /bin/true
# stands in for such a step: it exits 0 with no result and no checkpoint.
t=$(date +%s)
j=$(BURNRATE=/bin/true PATHS=1M OUT=$W/c2 submit --nodes=1 --ntasks-per-node=1 \
        --cpus-per-task=1 --time=5)
expect_failed "$j" "whose step did nothing" "no result and no new checkpoint"
echo "ok: C2. job $j: a step that ran nothing, job FAILED with the script's message, not requeued ($(( $(date +%s) - t )) s)"

# --- D. a real time limit ----------------------------------------------------------------
# slurmctld tests time limits every 30 s (logged at debug2) and sends the --signal once
# the time left is at most its time + 30 s: with --time=1 and USR1@25, at the first test
# at least 5 s after the start. The job is submitted 10 to 20 s after a test, so the
# signal comes 10 to 20 s after it starts; the run is sized at LONG_SECONDS (40) on one
# thread at the rate measured here, so it is still running then on a faster or less
# loaded machine. Should it finish before the signal all the same, the case is run again
# twice as long (at most twice).
last_test() { # epoch seconds of slurmctld's last time-limit test, 0 if none yet
    local l
    l=$(grep "Testing job time limits" slurmctld.log | tail -n 1 | sed -E 's/^\[([^]]+)\].*/\1/')
    if [ -n "$l" ]; then date -d "$l" +%s; else echo 0; fi
}
# Paths per second on one thread: the fastest of a one-thread run and the runs above (on a
# loaded machine runs on several CPUs wait for their slowest thread or rank).
"$B" run "$S" --paths 1M --threads 1 --quiet --json rate.json
RATE=$(python3 -c 'import json, sys
rate = lambda r: r["paths"] / (r["elapsed_s"] * r["threads"] * r["ranks"])
print(int(max(rate(json.load(open(f))["run"]) for f in sys.argv[1:])))' \
    rate.json ref.json a/result.json)
long_case() { # long_case SECONDS; sets EARLY=1 when the job ended before the signal
    local t t1 lp j refd age
    lp=$(( (RATE * $1 / 65536 + 1) * 65536 ))
    rm -rf d
    # The plain run first, on one CPU; the job runs beside it on the other.
    "$B" run "$S" --paths "$lp" --threads 1 --quiet --json refd.json &
    refd=$!
    for _ in $(seq 200); do
        age=$(( $(date +%s) - $(last_test) ))
        [ "$age" -ge 10 ] && [ "$age" -le 20 ] && break
        sleep 0.25
    done
    t=$(date +%s)
    j=$(PATHS=$lp OUT=$W/d submit --nodes=1 --ntasks-per-node=1 --cpus-per-task=1 \
            --time=1 --signal=USR1@25)
    # Until it is requeued or ends (a 1-minute job: 120 s is ample); only a final state
    # with no restart means it ran to the end before the signal.
    for _ in $(seq 480); do
        [ "$(job "$j" Restarts)" -ge 1 ] && break
        ended "$(job "$j" JobState)" && break
        sleep 0.25
    done
    t1=$(date +%s)
    if [ "$(job "$j" Restarts)" = 0 ]; then
        ended "$(job "$j" JobState)" ||
            fail "job $j neither requeued nor ended in 120 s: $(job "$j" JobState): $(cat "job-$j.out")"
        wait "$refd"
        if [ "$(job "$j" JobState)" != COMPLETED ] || [ ! -e d/result.json ]; then
            fail "job $j ended $(job "$j" JobState): $(cat "job-$j.out")"
        fi
        echo "note: D. job $j ($lp paths) finished in $(( t1 - t )) s, before the time-limit signal"
        EARLY=1
        return 0
    fi
    # The restart would again be stopped at the next test and requeued (the same path
    # again): give it the time to finish instead.
    scontrol update JobId="$j" TimeLimit=10
    wait_job "$j" 300
    wait "$refd"
    grep -q "stopped by a signal" "job-$j.out" || fail "job $j: no stop: $(cat "job-$j.out")"
    grep -q "requeueing job $j" "job-$j.out" || fail "job $j: not requeued: $(cat "job-$j.out")"
    grep -q "resuming from" "job-$j.out" || fail "job $j: restart did not resume"
    same refd.json d/result.json
    echo "ok: D. job $j: 1-minute limit, USR1@25 from slurmctld, checkpoint ($(grep -o '[0-9]* of [0-9]* tasks' "job-$j.out")), requeued after $(( t1 - t )) s, resumed to the plain run's result ($lp paths, $(( $(date +%s) - t )) s)"
}
secs=${LONG_SECONDS:-40}
for attempt in 1 2 3; do
    EARLY=0
    long_case "$secs"
    [ "$EARLY" = 0 ] && break
    [ "$attempt" -lt 3 ] || fail "D. three jobs ended before their time-limit signal"
    secs=$(( secs * 2 ))
done

echo "ok: all Slurm checks passed in $(( $(date +%s) - T_START )) s"
OK=1
