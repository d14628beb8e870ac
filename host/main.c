/* main.c: burnrate's driver. Read the command line, then hand over to the command. */
#include "cli.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    /* Read the command line. */
    br_cli cli;
    char err[BR_ERRLEN];
    const br_status st = br_cli_parse(argc, argv, &cli, err, sizeof err);
    if (st != BR_OK) {
        fprintf(stderr, "burnrate: %s\n", err);
        return br_status_exit_code(st);
    }
    if (cli.help) {
        br_cli_usage(stdout);
        return 0;
    }
    if (cli.version) {
        printf("burnrate %s\nbackends: %s\n", BR_VERSION, br_backends_compiled());
        return 0;
    }

    /* Do what it says: each command returns the exit code (0, 1 runtime, 2 input). */
    switch (cli.command) {
    case BR_CMD_VALIDATE: return br_cmd_validate(&cli);
    case BR_CMD_RUN: return br_cmd_run(&cli);
    case BR_CMD_BENCH: return br_cmd_bench(&cli);
    case BR_CMD_SENSITIVITY: return br_cmd_sensitivity(&cli);
    case BR_CMD_PLOT: return br_cmd_plot(&cli);
    default: br_cli_usage(stderr); return 2;
    }
}
