/* parallel.c: the only compilation unit that calls MPI (CoMD's src-mpi/parallel.c).
 * Without MPI (BR_WITH_MPI 0), or when no launcher started the process, it is one rank. */
#include "parallel.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if BR_WITH_MPI
#include <mpi.h>
#endif

_Static_assert(sizeof(br_tally) % sizeof(uint64_t) == 0, "br_tally is whole uint64 words");
#define TALLY_WORDS (sizeof(br_tally) / sizeof(uint64_t))

enum { TAG_REPORT = 101, TAG_TALLY = 102, TAG_ASSIGN = 103, TAG_EXTRA = 104 };

static int g_rank = 0, g_size = 1, g_local_rank = 0, g_local_size = 1;
#if BR_WITH_MPI
static bool g_mpi = false; /* we called MPI_Init */

/* Started by mpirun (Open MPI, MPICH/Hydra) or srun (PMI, PMIx)? Only then MPI is
 * initialised, so a plain `burnrate run` never depends on MPI's runtime. */
static bool under_launcher(void)
{
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK",
                                 "MPI_LOCALNRANKS", "PMI_RANK"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; ++i)
        if (getenv(vars[i]))
            return true;
    return false;
}
#endif

/* NVIDIA GPUs on this node, from the driver's /proc entries (no CUDA call: the runtime
 * must not start before CUDA_VISIBLE_DEVICES is set). */
static int count_gpus(void)
{
    DIR *d = opendir("/proc/driver/nvidia/gpus");
    if (!d)
        return 0;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

void br_par_init(void)
{
#if BR_WITH_MPI
    int inited = 0;
    MPI_Initialized(&inited);
    if (inited || !under_launcher())
        return;
    MPI_Init(NULL, NULL);
    g_mpi = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Comm local;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local);
    MPI_Comm_rank(local, &g_local_rank);
    MPI_Comm_size(local, &g_local_size);
    MPI_Comm_free(&local);
#endif
    /* One GPU per rank: several ranks on a node take the node's GPUs round-robin. A
     * scheduler that binds GPUs itself (srun --gpus-per-task) sets the variable first. */
    const int gpus = g_local_size > 1 ? count_gpus() : 0;
    if (gpus > 0 && !getenv("CUDA_VISIBLE_DEVICES")) {
        char v[16];
        snprintf(v, sizeof v, "%d", g_local_rank % gpus);
        setenv("CUDA_VISIBLE_DEVICES", v, 1);
    }
}

void br_par_finalize(void)
{
#if BR_WITH_MPI
    if (g_mpi) {
        MPI_Finalize();
        g_mpi = false;
    }
#endif
}

int br_par_rank(void) { return g_rank; }
int br_par_size(void) { return g_size; }
int br_par_local_rank(void) { return g_local_rank; }
int br_par_local_size(void) { return g_local_size; }

br_status br_par_agree(br_status st, char *err, size_t errlen)
{
#if BR_WITH_MPI
    if (!g_mpi)
        return st;
    int mine = st != BR_OK ? g_rank : g_size, first = g_size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == g_size)
        return BR_OK;
    char msg[BR_ERRLEN];
    int code = (int)st;
    if (g_rank == first) {
        if (first > 0)
            snprintf(msg, sizeof msg, "rank %d: %s", first, err);
        else
            snprintf(msg, sizeof msg, "%s", err);
    }
    MPI_Bcast(msg, sizeof msg, MPI_CHAR, first, MPI_COMM_WORLD);
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    snprintf(err, errlen, "%s", msg);
    return (br_status)code;
#else
    (void)err;
    (void)errlen;
    return st;
#endif
}

void br_par_bcast(void *buf, size_t n)
{
#if BR_WITH_MPI
    if (g_mpi)
        MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
#else
    (void)buf;
    (void)n;
#endif
}

#if BR_WITH_MPI
/* Optional tallies can exceed INT_MAX words only for absurd horizons; send in pieces. */
#define EXTRA_PIECE (UINT64_C(1) << 28)
#define MAX_SENDS 64 /* report + tally + pieces of extra */

typedef struct worker_slot {
    MPI_Request recv, send[MAX_SENDS];
    int n_send;
    br_chunk next;
} worker_slot;
static worker_slot g_slots[BR_PAR_SLOTS];

void br_par_worker_request(int slot, const br_report_msg *rep, const br_tally *t,
                           const uint64_t *extra)
{
    worker_slot *w = &g_slots[slot];
    w->n_send = 0;
    MPI_Isend(rep, sizeof *rep, MPI_BYTE, 0, TAG_REPORT, MPI_COMM_WORLD, &w->send[w->n_send++]);
    if (rep->done.scenario >= 0 && rep->status == BR_OK) {
        MPI_Isend(t, (int)TALLY_WORDS, MPI_UINT64_T, 0, TAG_TALLY, MPI_COMM_WORLD,
                  &w->send[w->n_send++]);
        for (uint64_t i = 0; i < rep->extra_words; i += EXTRA_PIECE) {
            const uint64_t n = rep->extra_words - i < EXTRA_PIECE ? rep->extra_words - i
                                                                  : EXTRA_PIECE;
            if (w->n_send == MAX_SENDS) { /* 2^34 words: wait rather than overflow */
                MPI_Waitall(w->n_send, w->send, MPI_STATUSES_IGNORE);
                w->n_send = 0;
            }
            MPI_Isend(extra + i, (int)n, MPI_UINT64_T, 0, TAG_EXTRA, MPI_COMM_WORLD,
                      &w->send[w->n_send++]);
        }
    }
    MPI_Irecv(&w->next, sizeof w->next, MPI_BYTE, 0, TAG_ASSIGN, MPI_COMM_WORLD, &w->recv);
}

void br_par_worker_next(int slot, br_chunk *next)
{
    worker_slot *w = &g_slots[slot];
    MPI_Wait(&w->recv, MPI_STATUS_IGNORE);
    MPI_Waitall(w->n_send, w->send, MPI_STATUSES_IGNORE);
    w->n_send = 0;
    *next = w->next;
}

bool br_par_root_poll(bool wait, br_report_msg *rep, br_tally *t, uint64_t *extra,
                      uint64_t extra_cap, int *from)
{
    MPI_Status s;
    int flag = 1;
    if (wait)
        MPI_Probe(MPI_ANY_SOURCE, TAG_REPORT, MPI_COMM_WORLD, &s);
    else
        MPI_Iprobe(MPI_ANY_SOURCE, TAG_REPORT, MPI_COMM_WORLD, &flag, &s);
    if (!flag)
        return false;
    *from = s.MPI_SOURCE;
    MPI_Recv(rep, sizeof *rep, MPI_BYTE, *from, TAG_REPORT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (rep->done.scenario >= 0 && rep->status == BR_OK) {
        MPI_Recv(t, (int)TALLY_WORDS, MPI_UINT64_T, *from, TAG_TALLY, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        if (rep->extra_words > extra_cap) {
            fprintf(stderr, "burnrate: rank %d sent %llu words of optional tallies, room for "
                    "%llu (ranks of different builds?)\n", *from,
                    (unsigned long long)rep->extra_words, (unsigned long long)extra_cap);
            br_par_abort(1);
        }
        for (uint64_t i = 0; i < rep->extra_words; i += EXTRA_PIECE) {
            const uint64_t n = rep->extra_words - i < EXTRA_PIECE ? rep->extra_words - i
                                                                  : EXTRA_PIECE;
            MPI_Recv(extra + i, (int)n, MPI_UINT64_T, *from, TAG_EXTRA, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
        }
    }
    return true;
}

void br_par_root_assign(int to, const br_chunk *c)
{
    MPI_Send(c, sizeof *c, MPI_BYTE, to, TAG_ASSIGN, MPI_COMM_WORLD);
}

void br_par_abort(int code)
{
    if (g_mpi)
        MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}
#else
/* One rank: there are no workers to talk to. */
void br_par_worker_request(int slot, const br_report_msg *rep, const br_tally *t,
                           const uint64_t *extra)
{
    (void)slot;
    (void)rep;
    (void)t;
    (void)extra;
}

void br_par_worker_next(int slot, br_chunk *next)
{
    (void)slot;
    next->scenario = -1;
}

bool br_par_root_poll(bool wait, br_report_msg *rep, br_tally *t, uint64_t *extra,
                      uint64_t extra_cap, int *from)
{
    (void)wait;
    (void)rep;
    (void)t;
    (void)extra;
    (void)extra_cap;
    (void)from;
    return false;
}

void br_par_root_assign(int to, const br_chunk *c)
{
    (void)to;
    (void)c;
}

void br_par_abort(int code)
{
    exit(code);
}
#endif
