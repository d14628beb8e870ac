/* parallel.h: ranks. The only interface to MPI (host/parallel.c is the only file that
 * includes <mpi.h>); built without MPI, or started without a launcher, every function
 * does the single-rank thing, so the same binary runs alone or under mpirun/srun. */
#ifndef BR_PARALLEL_H
#define BR_PARALLEL_H

#include "burnrate.h"
#include "tally.h"

#include <stdbool.h>
#include <stddef.h>

/* Start MPI when a launcher (mpirun, srun) started this process; pick this rank's GPU
 * (CUDA_VISIBLE_DEVICES by local rank, unless already set). Idempotent. */
void br_par_init(void);
void br_par_finalize(void);
int br_par_rank(void);
int br_par_size(void);
/* Ranks sharing this node (MPI_COMM_TYPE_SHARED), and this rank's index among them. */
int br_par_local_size(void);
int br_par_local_rank(void);

/* Every rank passes its own status and message; all return the status of the lowest
 * failing rank, with its message (prefixed "rank N: " when N > 0) in err. */
br_status br_par_agree(br_status st, char *err, size_t errlen);

/* Broadcast n bytes from the root. */
void br_par_bcast(void *buf, size_t n);

/* ---- the task protocol (host/engine.c) -----------------------------------------------
 * A chunk is `count` consecutive work units of one scenario. A worker keeps
 * BR_PAR_SLOTS requests in flight: it starts with that many empty ones, and each
 * finished chunk goes back as a report (with its tallies) that is also a request; the
 * root answers every request, in order, with a chunk or a stop, which closes the slot.
 * So a worker always holds its next chunk while it runs one and never waits for the
 * root, which answers between its own units. Sends are non-blocking: a slot's buffers
 * stay untouched until br_par_worker_next returns for it again. */
#define BR_PAR_SLOTS 2
typedef struct br_chunk {
    int64_t scenario; /* -1: stop */
    uint64_t unit, count;
} br_chunk;

typedef struct br_report_msg {
    br_chunk done;   /* scenario -1: nothing finished yet */
    int32_t status;  /* br_status of running it */
    uint64_t extra_words; /* the optional tallies of the chunk that follow the tally */
    char err[BR_ERRLEN];
} br_report_msg;

/* Worker: send slot's request: a report of a finished chunk (tally and the
 * rep->extra_words words of extra ignored when rep->done.scenario < 0); the answer is
 * received into the slot. */
void br_par_worker_request(int slot, const br_report_msg *rep, const br_tally *t,
                           const uint64_t *extra);
/* Worker: wait for the answer to slot's request (and for its sends to complete). */
void br_par_worker_next(int slot, br_chunk *next);
/* Root: whether a worker report is waiting (wait: block until one is). On true, fills
 * the report, its tally, its optional tallies (at most extra_cap words; more aborts the
 * job) and the sender's rank. */
bool br_par_root_poll(bool wait, br_report_msg *rep, br_tally *t, uint64_t *extra,
                      uint64_t extra_cap, int *from);
/* Root: send an assignment (or a stop) to a worker. */
void br_par_root_assign(int to, const br_chunk *c);

/* Abort every rank (a rank that cannot go on; never returns). */
void br_par_abort(int code);

#endif /* BR_PARALLEL_H */
