/* cli.h: the command line: one option table drives parsing and the usage text. */
#ifndef BR_CLI_H
#define BR_CLI_H

#include "burnrate.h"

#include <stdbool.h>
#include <stdio.h>

typedef enum {
    BR_CMD_NONE, BR_CMD_RUN, BR_CMD_VALIDATE, BR_CMD_BENCH, BR_CMD_SENSITIVITY, BR_CMD_PLOT
} br_command;

#define BR_CLI_MAX_SETS 256

typedef struct br_cli {
    br_command command;
    const char *const *files; /* scenario files (argv tail) */
    size_t n_files;
    uint64_t paths;     /* 0: the command's default */
    uint64_t seed;
    int threads;        /* 0: all cores */
    const char *backend;
    const char *sets[BR_CLI_MAX_SETS];
    size_t n_sets;
    const char *json;   /* NULL, a path, or "-" */
    const char *csv;    /* NULL or a directory */
    double seconds;     /* bench: time budget instead of --paths; 0: unset */
    const char *sweeps[BR_CLI_MAX_SETS]; /* --sweep section.key=v1,v2,... */
    size_t n_sweeps;
    const char *checkpoint; /* --checkpoint FILE */
    const char *resume;     /* --resume FILE */
    double checkpoint_every; /* seconds (default 300) */
    int argc;               /* the command line, for the resume hint */
    char **argv;
    bool fan;               /* --fan: the cash fan chart tally */
    double target_se, target_rel; /* --target-se, --target-rel (0: none) */
    uint64_t max_paths;     /* --max-paths: the cap with a target (0: the default) */
    const char *report;     /* --report DIR: JSON, charts and index.html */
    const char *out;        /* plot: --out DIR */
    bool html;              /* plot: --html */
    const char *stress[BR_CLI_MAX_SETS]; /* --stress NAME (repeatable) */
    size_t n_stress;
    const char *vary;       /* sensitivity: --vary key1,key2,... (NULL: the defaults) */
    double delta;           /* sensitivity: --delta, relative (default 0.1) */
    bool delta_given;
    bool quiet;
    bool repair_correlation;
    bool help, version;
} br_cli;

/* Parse argv; BR_E_USAGE with a message naming the option and what is allowed. */
br_status br_cli_parse(int argc, char **argv, br_cli *cli, char *err, size_t errlen);
void br_cli_usage(FILE *f);
/* "1M", "250K", "1e6", "1000": a positive whole number of paths. */
bool br_parse_count(const char *s, uint64_t *out);

/* The commands (host/commands.c); each returns the process exit code. */
int br_cmd_validate(const br_cli *cli);
int br_cmd_run(const br_cli *cli);
int br_cmd_bench(const br_cli *cli);
int br_cmd_sensitivity(const br_cli *cli); /* host/sensitivity.c */
int br_cmd_plot(const br_cli *cli);        /* host/plot.c */

#endif /* BR_CLI_H */
