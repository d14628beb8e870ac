#!/usr/bin/env bash
# A single-node Slurm cluster on 127.0.0.1, for checking slurm/burnrate-cpu.sbatch by
# hand (not in CI: it needs root, daemons and minutes of wall clock). UNTESTED in the
# development container, which had no slurm-wlm; run as root on a Debian 12 machine:
#   sudo tests/slurm/run.sh BUILD_DIR       (BUILD_DIR with an MPI build of burnrate)
# 1. a job runs to the end and its result equals a plain run's;
# 2. a job with a 1-minute limit gets SIGUSR1 30 s before it, checkpoints, requeues
#    itself and the restarted job resumes to the same result.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build-mpi}" && pwd)
apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null
W=$(mktemp -d /tmp/br-slurm.XXXX)
chmod 755 "$W"
export SLURM_CONF=$W/slurm.conf
CPUS=$(nproc)
mkdir -p /etc/munge "$W/spool" "$W/state"
[ -s /etc/munge/munge.key ] || { dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null; }
chown munge:munge /etc/munge/munge.key 2>/dev/null || true
chmod 400 /etc/munge/munge.key
pgrep -x munged >/dev/null || su -s /bin/sh munge -c munged || munged --force
cat > "$SLURM_CONF" <<CONF
ClusterName=burnrate-test
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=pmix
JobRequeue=1
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
grep -q pmix <(srun --mpi=list 2>&1) || sed -i 's/MpiDefault=pmix/MpiDefault=pmi2/' "$SLURM_CONF"
slurmctld -D -f "$SLURM_CONF" > "$W/slurmctld.log" 2>&1 &
CTLD=$!
slurmd -D -f "$SLURM_CONF" > "$W/slurmd.log" 2>&1 &
SLURMD=$!
trap 'kill $SLURMD $CTLD 2>/dev/null; wait 2>/dev/null' EXIT
for _ in $(seq 30); do sinfo -h 2>/dev/null | grep -q idle && break; sleep 1; done

cd "$W"
S="$ROOT/scenarios/xai-2026-base.ini"
"$BUILD/burnrate" run "$S" --paths 4M --threads 1 --quiet --json ref.json
same() { python3 - "$1" "$2" <<'PY'
import json, sys
n = lambda p: (lambda d: [d["run"].pop(k, None) for k in ("elapsed_s", "path_months_per_s", "ranks", "threads", "device")] and d)(json.load(open(p)))
sys.exit(0 if n(sys.argv[1]) == n(sys.argv[2]) else 1)
PY
}
wait_job() { while squeue -h -j "$1" 2>/dev/null | grep -q .; do sleep 2; done; }

# 1. to the end
export BURNRATE="$BUILD/burnrate" SCENARIOS="$S" PATHS=4M OUT=$W/a EVERY=5
j=$(sbatch --parsable --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --time=10 \
      "$ROOT/slurm/burnrate-cpu.sbatch")
wait_job "$j"
same ref.json a/result.json && echo "ok: job $j result equals the plain run"

# 2. time limit -> USR1 -> checkpoint -> requeue -> resume. Size LONG_PATHS to take
#    60 .. 110 s on 2 ranks here: each requeued job again has 1 minute.
export OUT=$W/b PATHS=${LONG_PATHS:-400M}
"$BUILD/burnrate" run "$S" --paths "$PATHS" --threads 1 --quiet --json refb.json &
j=$(sbatch --parsable --nodes=1 --ntasks-per-node=2 --cpus-per-task=1 --time=1 \
      --signal=USR1@30 "$ROOT/slurm/burnrate-cpu.sbatch")
wait
wait_job "$j"
grep -q "requeueing" burnrate-"$j".out 2>/dev/null || grep -rq requeueing . && echo "ok: requeued"
same refb.json b/result.json && echo "ok: requeued job resumed to the plain run's result"
