# lib.sh: what the shell tests share (sourced by mpi.sh, analysis.sh, slurm/run.sh):
# Open MPI settings for root and oversubscribed 2-core machines, fail, same and
# scratch_dir.
TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Open MPI as root (CI containers) and on a 2-core machine (oversubscribe); no CMA in
# containers.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none

fail() { echo "FAIL: $*" >&2; exit 1; }
# same REF OUT: equal but for timing and machine fields (tests/same_result.py)
same() {
    [ -e "$2" ] || fail "no $2"
    python3 "$TESTS/same_result.py" "$1" "$2" || fail "$2 differs from $1"
}
# scratch_dir: make a temporary directory $W, removed on exit, and work in it.
scratch_dir() {
    W=$(mktemp -d)
    trap 'rm -rf "$W"' EXIT
    cd "$W"
}
