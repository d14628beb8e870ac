/* cli.c: option table -> getopt_long and the usage text. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_PATHS = 'n', OPT_SEED = 's', OPT_THREADS = 't', OPT_BACKEND = 'b', OPT_SET = 'S',
    OPT_JSON = 'j', OPT_CSV = 'c', OPT_QUIET = 'q', OPT_HELP = 'h', OPT_VERSION = 'V',
    OPT_REPAIR = 1000, OPT_SECONDS, OPT_SWEEP, OPT_CHECKPOINT, OPT_CKPT_EVERY, OPT_RESUME,
    OPT_FAN, OPT_TARGET_SE, OPT_TARGET_REL, OPT_MAX_PATHS, OPT_REPORT, OPT_OUT, OPT_STRESS,
    OPT_VARY, OPT_DELTA, OPT_HTML
};

typedef struct br_opt {
    const char *name;
    int has_arg;
    int id;
    const char *arg;
    const char *help;
} br_opt;

static const br_opt opts[] = {
    {"paths", 1, OPT_PATHS, "N", "paths per scenario, e.g. 1M, 250K, 1e6 (run: 1M; bench: 4M)"},
    {"seconds", 1, OPT_SECONDS, "S", "bench: run about S seconds instead of a fixed --paths"},
    {"seed", 1, OPT_SEED, "S", "Philox key, 0 .. 2^64-1 (default 20260101)"},
    {"threads", 1, OPT_THREADS, "T", "CPU threads (default: all cores)"},
    {"backend", 1, OPT_BACKEND, "B", "auto, cpu or cuda (default auto: CUDA if a device is present)"},
    {"set", 1, OPT_SET, "K=V", "override a scenario value, e.g. --set revenue.vol=0.1 (repeatable)"},
    {"sweep", 1, OPT_SWEEP, "K=V1,V2",
     "run every scenario at each value, e.g. --sweep costs.capex=2B,3B (repeatable: the grid)"},
    {"checkpoint", 1, OPT_CHECKPOINT, "FILE",
     "run: save progress to FILE periodically and on SIGTERM/SIGUSR1 (then exit 0)"},
    {"checkpoint-every", 1, OPT_CKPT_EVERY, "S", "seconds between checkpoints (default 300)"},
    {"resume", 1, OPT_RESUME, "FILE",
     "run: continue from checkpoint FILE (same scenarios, seed, paths; any rank count)"},
    {"fan", 0, OPT_FAN, NULL, "also tally the cash fan chart: cash quantiles by month among survivors"},
    {"target-se", 1, OPT_TARGET_SE, "X",
     "add paths until the insolvency probability's standard error is <= X (e.g. 0.0005)"},
    {"target-rel", 1, OPT_TARGET_REL, "X",
     "add paths until its relative error is <= X (e.g. 0.01 for 1%)"},
    {"max-paths", 1, OPT_MAX_PATHS, "N", "with a target: stop at N paths per scenario (default 1B)"},
    {"stress", 1, OPT_STRESS, "NAME",
     "run: also run each scenario stressed (a preset or its [stress.NAME]; repeatable; 'list')"},
    {"vary", 1, OPT_VARY, "K1,K2",
     "sensitivity: the keys to move (default: the dozen that matter most)"},
    {"delta", 1, OPT_DELTA, "D", "sensitivity: move each key down and up by D, e.g. 10% or 0.1"},
    {"json", 1, OPT_JSON, "PATH", "write the JSON result to PATH (- for stdout)"},
    {"csv", 1, OPT_CSV, "DIR", "write summary.csv and <scenario>_months.csv into DIR"},
    {"report", 1, OPT_REPORT, "DIR", "run, sensitivity: write result.json, charts and index.html into DIR"},
    {"out", 1, OPT_OUT, "DIR", "plot: the directory for the charts"},
    {"html", 0, OPT_HTML, NULL, "plot: also write DIR/index.html (the report page)"},
    {"quiet", 0, OPT_QUIET, NULL, "no summary and no progress line"},
    {"repair-correlation", 0, OPT_REPAIR, NULL,
     "replace a correlation matrix that is not PSD by the nearest one (Higham 2002)"},
    {"version", 0, OPT_VERSION, NULL, "print the version and the backends compiled in"},
    {"help", 0, OPT_HELP, NULL, "print this help"},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

void br_cli_usage(FILE *f)
{
    fprintf(f, "burnrate %s: Monte Carlo cash-runway risk engine\n\n"
               "usage:\n"
               "  burnrate run SCENARIO.ini [SCENARIO.ini ...] [options]\n"
               "  burnrate validate SCENARIO.ini [...] [--set K=V ...]\n"
               "  burnrate bench [SCENARIO.ini] [options]\n"
               "  burnrate sensitivity SCENARIO.ini [--vary K1,K2,...] [--delta 10%%] [options]\n"
               "  burnrate plot RESULT.json [...] --out DIR [--html]\n"
               "  burnrate --version\n\noptions:\n", BR_VERSION);
    for (size_t i = 0; i < N_OPTS; ++i) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", opts[i].name, opts[i].arg ? " " : "",
                 opts[i].arg ? opts[i].arg : "");
        fprintf(f, "  %-26s %s\n", left, opts[i].help);
    }
    fprintf(f, "\nexit codes: 0 ok, 2 bad input or usage, 1 runtime failure\n");
}

bool br_parse_count(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    /* Plain digits (with an optional suffix) are read exactly as integers, so
     * 9007199254740993 is not rounded to 2^53; a mantissa with '.' or 'e' goes through
     * strtod and must come out a whole number. */
    const char *sfx = s;
    while (*sfx >= '0' && *sfx <= '9')
        ++sfx;
    uint64_t mult = 1;
    const char *end = sfx;
    switch (*sfx) {
    case 'K': case 'k': mult = UINT64_C(1000); ++end; break;
    case 'M': case 'm': mult = UINT64_C(1000000); ++end; break;
    case 'B': case 'b': case 'G': case 'g': mult = UINT64_C(1000000000); ++end; break;
    case 'T': case 't': mult = UINT64_C(1000000000000); ++end; break;
    default: break;
    }
    if (sfx > s && *end == '\0') {
        errno = 0;
        char *e;
        const unsigned long long v = strtoull(s, &e, 10);
        if (errno || e != sfx || v == 0 || v > UINT64_MAX / mult)
            return false;
        *out = (uint64_t)v * mult;
        return true;
    }
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (e == s || errno == ERANGE || !isfinite(v))
        return false;
    double m = 1;
    switch (*e) {
    case 'K': case 'k': m = 1e3; ++e; break;
    case 'M': case 'm': m = 1e6; ++e; break;
    case 'B': case 'b': case 'G': case 'g': m = 1e9; ++e; break;
    case 'T': case 't': m = 1e12; ++e; break;
    default: break;
    }
    if (*e != '\0')
        return false;
    v *= m;
    if (v < 1 || v != floor(v))
        return false;
    /* From 2^53 a double no longer holds every whole number, so the text may have been
     * rounded: report it as too large (the caller refuses anything above 2^53). */
    *out = v >= 9007199254740992.0 ? UINT64_MAX : (uint64_t)v;
    return true;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

/* A whole-string decimal in (lo, hi] (hi_open: (lo, hi)); false otherwise. */
static bool parse_real_in(const char *s, double lo, double hi, bool hi_open, double *out)
{
    char *end;
    errno = 0;
    const double v = strtod(s, &end);
    if (end == s || *end || errno || !(v > lo && (hi_open ? v < hi : v <= hi)))
        return false;
    *out = v;
    return true;
}

br_status br_cli_parse(int argc, char **argv, br_cli *cli, char *err, size_t errlen)
{
    memset(cli, 0, sizeof *cli);
    cli->seed = BR_DEFAULT_SEED;
    cli->backend = "auto";
    cli->checkpoint_every = 300;
    cli->delta = 0.1;
    cli->argc = argc;
    cli->argv = argv;
    struct option lo[N_OPTS + 1];
    char so[3 * N_OPTS + 3] = "+:";
    for (size_t i = 0; i < N_OPTS; ++i) {
        lo[i] = (struct option){opts[i].name, opts[i].has_arg, NULL, opts[i].id};
        if (opts[i].id < 256) {
            char c[3] = {(char)opts[i].id, opts[i].has_arg ? ':' : '\0', '\0'};
            strcat(so, c);
        }
    }
    lo[N_OPTS] = (struct option){0, 0, 0, 0};

    /* The command comes first (options may follow or precede the files). */
    int first = 1;
    if (argc > 1 && argv[1][0] != '-') {
        const char *c = argv[1];
        if (strcmp(c, "run") == 0) cli->command = BR_CMD_RUN;
        else if (strcmp(c, "validate") == 0) cli->command = BR_CMD_VALIDATE;
        else if (strcmp(c, "bench") == 0) cli->command = BR_CMD_BENCH;
        else if (strcmp(c, "sensitivity") == 0) cli->command = BR_CMD_SENSITIVITY;
        else if (strcmp(c, "plot") == 0) cli->command = BR_CMD_PLOT;
        else {
            snprintf(err, errlen, "unknown command '%s'; allowed: run, validate, bench, "
                     "sensitivity, plot", c);
            return BR_E_USAGE;
        }
        first = 2;
    }
    /* Permute so files and options may mix: collect non-options ourselves. */
    static const char *files[4096];
    size_t n_files = 0;
    optind = first;
    opterr = 0;
    for (;;) {
        const int prev = optind;
        int idx = -1;
        const int c = getopt_long(argc, argv, so, lo, &idx);
        if (c == -1) {
            if (optind < argc) { /* a non-option: a file; keep going after it */
                if (n_files == sizeof files / sizeof files[0]) {
                    snprintf(err, errlen, "too many scenario files (at most 4096)");
                    return BR_E_USAGE;
                }
                files[n_files++] = argv[optind];
                optind++;
                continue;
            }
            break;
        }
        const char *arg = optarg;
        switch (c) {
        case OPT_PATHS:
            if (!br_parse_count(arg, &cli->paths)) {
                snprintf(err, errlen, "--paths '%s': allowed: a positive whole number, "
                         "optionally with K, M, B or T (e.g. 1M, 250K, 1e6)", arg);
                return BR_E_USAGE;
            }
            if (cli->paths > (UINT64_C(1) << 53)) {
                snprintf(err, errlen, "--paths '%s': allowed 1 .. 9007199254740992 (2^53: "
                         "what the tallies count exactly)", arg);
                return BR_E_USAGE;
            }
            break;
        case OPT_SEED:
            if (!parse_u64(arg, &cli->seed)) {
                snprintf(err, errlen, "--seed '%s': allowed: a whole number 0 .. 2^64-1 "
                         "(decimal or 0x hex)", arg);
                return BR_E_USAGE;
            }
            break;
        case OPT_THREADS: {
            uint64_t t;
            if (!parse_u64(arg, &t) || t < 1 || t > 4096) {
                snprintf(err, errlen, "--threads '%s': allowed: 1 .. 4096", arg);
                return BR_E_USAGE;
            }
            cli->threads = (int)t;
            break;
        }
        case OPT_BACKEND:
            if (strcmp(arg, "auto") && strcmp(arg, "cpu") && strcmp(arg, "cuda")) {
                snprintf(err, errlen, "--backend '%s': allowed: auto, cpu, cuda", arg);
                return BR_E_USAGE;
            }
            cli->backend = arg;
            break;
        case OPT_SET:
            if (cli->n_sets == BR_CLI_MAX_SETS) {
                snprintf(err, errlen, "--set: at most %d overrides", BR_CLI_MAX_SETS);
                return BR_E_USAGE;
            }
            cli->sets[cli->n_sets++] = arg;
            break;
        case OPT_SWEEP:
            if (cli->n_sweeps == BR_CLI_MAX_SETS) {
                snprintf(err, errlen, "--sweep: at most %d keys", BR_CLI_MAX_SETS);
                return BR_E_USAGE;
            }
            cli->sweeps[cli->n_sweeps++] = arg;
            break;
        case OPT_CHECKPOINT: cli->checkpoint = arg; break;
        case OPT_RESUME: cli->resume = arg; break;
        case OPT_CKPT_EVERY:
            if (!parse_real_in(arg, 0, 1e7, false, &cli->checkpoint_every)) {
                snprintf(err, errlen, "--checkpoint-every '%s': allowed: a number of seconds "
                         "in (0, 1e7]", arg);
                return BR_E_USAGE;
            }
            break;
        case OPT_JSON: cli->json = arg; break;
        case OPT_CSV: cli->csv = arg; break;
        case OPT_QUIET: cli->quiet = true; break;
        case OPT_REPAIR: cli->repair_correlation = true; break;
        case OPT_SECONDS:
            if (!parse_real_in(arg, 0, 86400, false, &cli->seconds)) {
                snprintf(err, errlen, "--seconds '%s': allowed: a number of seconds in (0, 86400]", arg);
                return BR_E_USAGE;
            }
            break;
        case OPT_FAN: cli->fan = true; break;
        case OPT_TARGET_SE:
        case OPT_TARGET_REL: {
            const double hi = c == OPT_TARGET_SE ? 0.5 : 1.0;
            if (!parse_real_in(arg, 0, hi, true,
                               c == OPT_TARGET_SE ? &cli->target_se : &cli->target_rel)) {
                snprintf(err, errlen, "%s '%s': allowed: a number in (0, %g)", argv[prev], arg, hi);
                return BR_E_USAGE;
            }
            break;
        }
        case OPT_MAX_PATHS:
            if (!br_parse_count(arg, &cli->max_paths) || cli->max_paths > (UINT64_C(1) << 53)) {
                snprintf(err, errlen, "--max-paths '%s': allowed: 1 .. 2^53, optionally with K, "
                         "M, B or T (e.g. 100M)", arg);
                return BR_E_USAGE;
            }
            break;
        case OPT_REPORT: cli->report = arg; break;
        case OPT_OUT: cli->out = arg; break;
        case OPT_HTML: cli->html = true; break;
        case OPT_STRESS:
            if (cli->n_stress == BR_CLI_MAX_SETS) {
                snprintf(err, errlen, "--stress: at most %d", BR_CLI_MAX_SETS);
                return BR_E_USAGE;
            }
            cli->stress[cli->n_stress++] = arg;
            break;
        case OPT_VARY: cli->vary = arg; break;
        case OPT_DELTA: {
            char *end;
            errno = 0;
            double v = strtod(arg, &end);
            const bool pct = *end == '%';
            if (pct)
                v /= 100, ++end;
            if (end == arg || *end || errno || !(v > 0 && v < 1)) {
                snprintf(err, errlen, "--delta '%s': allowed: a relative move in (0, 1), as a "
                         "fraction (0.1) or a percentage (10%%)", arg);
                return BR_E_USAGE;
            }
            cli->delta = v;
            cli->delta_given = true;
            break;
        }
        case OPT_HELP: cli->help = true; break;
        case OPT_VERSION: cli->version = true; break;
        case ':':
            snprintf(err, errlen, "option %s needs a value", argv[prev]);
            return BR_E_USAGE;
        default:
            snprintf(err, errlen, "unknown option '%s' (see burnrate --help)", argv[prev]);
            return BR_E_USAGE;
        }
    }
    cli->files = files;
    cli->n_files = n_files;
    if (cli->help || cli->version)
        return BR_OK;
    if (cli->seconds > 0 && (cli->command != BR_CMD_BENCH || cli->paths)) {
        snprintf(err, errlen, "--seconds: allowed only with bench, and not together with --paths");
        return BR_E_USAGE;
    }
    if ((cli->checkpoint || cli->resume) && cli->command != BR_CMD_RUN) {
        snprintf(err, errlen, "--checkpoint and --resume: allowed only with run");
        return BR_E_USAGE;
    }
    if (cli->n_sweeps && cli->command == BR_CMD_BENCH) {
        snprintf(err, errlen, "--sweep: allowed with run and validate, not bench");
        return BR_E_USAGE;
    }
    if (cli->command == BR_CMD_NONE) {
        snprintf(err, errlen, "no command; allowed: run, validate, bench, sensitivity, plot "
                 "(see burnrate --help)");
        return BR_E_USAGE;
    }
    static const char *names[] = {"", "run", "validate", "bench", "sensitivity", "plot"};
    const char *cmd = names[cli->command];
    if (cli->command != BR_CMD_BENCH && n_files == 0) {
        snprintf(err, errlen, "%s: no %s given", cmd,
                 cli->command == BR_CMD_PLOT ? "RESULT.json" : "scenario file");
        return BR_E_USAGE;
    }
    const bool runs = cli->command == BR_CMD_RUN || cli->command == BR_CMD_SENSITIVITY;
    if ((cli->fan || cli->report) && !runs) {
        snprintf(err, errlen, "--fan and --report: allowed with run and sensitivity, not %s", cmd);
        return BR_E_USAGE;
    }
    if ((cli->target_se > 0 || cli->target_rel > 0 || cli->max_paths) &&
        cli->command != BR_CMD_RUN) {
        snprintf(err, errlen, "--target-se, --target-rel and --max-paths: allowed only with run");
        return BR_E_USAGE;
    }
    if (cli->max_paths && !(cli->target_se > 0 || cli->target_rel > 0)) {
        snprintf(err, errlen, "--max-paths: the cap of a precision target; give --target-se "
                 "or --target-rel too (without one, --paths sets the paths)");
        return BR_E_USAGE;
    }
    if ((cli->target_se > 0 || cli->target_rel > 0) && cli->paths) {
        snprintf(err, errlen, "--paths with a precision target: the target chooses the paths; "
                 "cap them with --max-paths");
        return BR_E_USAGE;
    }
    if (cli->n_stress && cli->command != BR_CMD_RUN) {
        snprintf(err, errlen, "--stress: allowed only with run");
        return BR_E_USAGE;
    }
    if ((cli->vary || cli->delta_given) && cli->command != BR_CMD_SENSITIVITY) {
        snprintf(err, errlen, "--vary and --delta: allowed only with sensitivity");
        return BR_E_USAGE;
    }
    if (cli->html && cli->command != BR_CMD_PLOT) {
        snprintf(err, errlen, "--html: allowed only with plot (run takes --report DIR)");
        return BR_E_USAGE;
    }
    if ((cli->out != NULL) != (cli->command == BR_CMD_PLOT)) {
        snprintf(err, errlen, cli->out ? "--out: allowed only with plot (run takes --report DIR)"
                                       : "plot: --out DIR is required");
        return BR_E_USAGE;
    }
    return BR_OK;
}
