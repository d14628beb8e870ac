/* plot.c: `burnrate plot` and `--report`: hand the JSON to the plotting script. */
#include "plot.h"
#include "cli.h"
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#ifndef BR_PLOT_SCRIPT
#define BR_PLOT_SCRIPT "scripts/burnrate_plot.py"
#endif

br_status br_plot(const char *const *jsons, size_t n, const char *dir, bool html, bool quiet,
                  char *err, size_t errlen)
{
    const char *python = getenv("BURNRATE_PYTHON");
    const char *script = getenv("BURNRATE_PLOT_SCRIPT");
    python = python && *python ? python : "/usr/bin/python3";
    script = script && *script ? script : BR_PLOT_SCRIPT;
    if (access(script, R_OK) != 0)
        return br_fail(err, errlen, BR_E_RUNTIME, "plot: cannot read the plotting script "
                              "%s: %s (set BURNRATE_PLOT_SCRIPT)", script, strerror(errno));
    const char **argv = calloc(n + 8, sizeof *argv);
    if (!argv)
        return br_fail(err, errlen, BR_E_NOMEM, "plot: out of memory");
    size_t k = 0;
    argv[k++] = python;
    argv[k++] = script;
    for (size_t i = 0; i < n; ++i)
        argv[k++] = jsons[i];
    argv[k++] = "--out";
    argv[k++] = dir;
    if (html)
        argv[k++] = "--html";
    if (quiet)
        argv[k++] = "--quiet";
    argv[k] = NULL;
    /* The script prints the files it wrote on stdout; keep our stdout for results. */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
    pid_t pid;
    const int rc = posix_spawn(&pid, python, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    if (rc != 0)
        return br_fail(err, errlen, BR_E_RUNTIME, "plot: cannot start %s: %s (install "
                              "python3-matplotlib, or set BURNRATE_PYTHON)", python, strerror(rc));
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
        return BR_OK;
    if (WIFEXITED(ws) && WEXITSTATUS(ws) == 2)
        return br_fail(err, errlen, BR_E_INPUT, "plot: %s rejected its input (message "
                              "above)", script);
    return br_fail(err, errlen, BR_E_RUNTIME, "plot: %s %s %d", script,
                          WIFEXITED(ws) ? "exited with status" : "was killed by signal",
                          WIFEXITED(ws) ? WEXITSTATUS(ws) : WTERMSIG(ws));
}

int br_cmd_plot(const br_cli *cli)
{
    char err[BR_ERRLEN];
    const br_status st = br_plot(cli->files, cli->n_files, cli->out, cli->html, cli->quiet,
                                 err, sizeof err);
    if (st != BR_OK)
        fprintf(stderr, "burnrate: %s\n", err);
    return br_status_exit_code(st);
}
