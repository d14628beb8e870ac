/* test_outputs_survive_failures: a run that fails in any way leaves an existing --json
 * file and --csv files byte for byte as they were (README "Using it"): bad --set, bad
 * backend, a CSV directory that cannot be written, a full disk (ulimit -f, with SIGXFSZ
 * ignored: write errors; and not ignored: the process is killed), and kill -9 mid-run.
 * When the process itself reports the failure, no temporary file is left either; a
 * process killed by a signal cannot clean up, so there a leftover `NAME.tmp.XXXXXX` is
 * allowed but nothing else. A successful run replacing the files shows the checks can
 * see a change. The executable is BR_EXE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCENARIO "scenarios/xai-2026-base.ini"
#define OLD_JSON "{\"old\": \"json kept on failure\"}\n"
#define OLD_SUMMARY "old summary.csv\n"
#define OLD_MONTHS "old months.csv\n"

static char dir[64], json[128], csv[128], summary[192], months[192];

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap + 1);
    for (size_t got; buf && (got = fread(buf + len, 1, cap - len, f)) > 0;) {
        len += got;
        if (len == cap)
            buf = realloc(buf, (cap *= 2) + 1);
    }
    fclose(f);
    assert_non_null(buf);
    buf[len] = '\0';
    if (n)
        *n = len;
    return buf;
}

static void assert_file_is(const char *path, const char *want)
{
    size_t n = 0;
    char *got = read_all(path, &n);
    if (!got)
        fail_msg("%s: gone", path);
    if (n != strlen(want) || memcmp(got, want, n) != 0)
        fail_msg("%s: changed (%zu bytes: %.80s)", path, n, got);
    free(got);
}

/* Files in d other than `keep`; temporaries (NAME.tmp.*) are counted in *tmps and, when
 * remove_tmps, removed. Returns the number of other unexpected files. */
static int stray_files(const char *d, const char *const *keep, size_t n_keep, int *tmps,
                       int remove_tmps)
{
    DIR *dd = opendir(d);
    assert_non_null(dd);
    int stray = 0;
    for (struct dirent *e; (e = readdir(dd));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        int known = 0;
        for (size_t i = 0; i < n_keep; ++i)
            known |= strcmp(e->d_name, keep[i]) == 0;
        if (known)
            continue;
        if (strstr(e->d_name, ".tmp.")) {
            ++*tmps;
            if (remove_tmps) {
                char p[512];
                snprintf(p, sizeof p, "%s/%s", d, e->d_name);
                unlink(p);
            }
        } else {
            print_error("unexpected file %s/%s\n", d, e->d_name);
            ++stray;
        }
    }
    closedir(dd);
    return stray;
}

/* The old outputs are intact; temporaries left are counted (and removed). */
static int check_intact(void)
{
    assert_file_is(json, OLD_JSON);
    assert_file_is(summary, OLD_SUMMARY);
    assert_file_is(months, OLD_MONTHS);
    static const char *const top[] = {"out.json", "csv", "afile"};
    static const char *const in_csv[] = {"summary.csv", "xai-2026-base_months.csv"};
    int tmps = 0;
    assert_int_equal(stray_files(dir, top, 3, &tmps, 1), 0);
    assert_int_equal(stray_files(csv, in_csv, 2, &tmps, 1), 0);
    return tmps;
}

static int setup(void **state)
{
    (void)state;
    if (chdir(BR_SOURCE_DIR) != 0)
        return -1;
    snprintf(dir, sizeof dir, "/tmp/br_survive_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(json, sizeof json, "%s/out.json", dir);
    snprintf(csv, sizeof csv, "%s/csv", dir);
    snprintf(summary, sizeof summary, "%s/summary.csv", csv);
    snprintf(months, sizeof months, "%s/xai-2026-base_months.csv", csv);
    return mkdir(csv, 0755);
}

/* Before each test: the old outputs, and a plain file where a directory is expected. */
static int reset(void **state)
{
    (void)state;
    write_text(json, OLD_JSON);
    write_text(summary, OLD_SUMMARY);
    write_text(months, OLD_MONTHS);
    char afile[192];
    snprintf(afile, sizeof afile, "%s/afile", dir);
    write_text(afile, "not a directory\n");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* sh -c "PREFIX exec BR_EXE run SCENARIO --paths 2000 --quiet ARGS"; returns the wait
 * status; stderr into err. */
static int run_cli(const char *prefix, const char *args, char *err, size_t n)
{
    char cmd[2048], errfile[128];
    snprintf(errfile, sizeof errfile, "%s/stderr.txt", dir);
    snprintf(cmd, sizeof cmd,
             "sh -c '%s exec \"$0\" run " SCENARIO " --paths 2000 --quiet %s' '%s' "
             ">/dev/null 2>'%s'",
             prefix, args, BR_EXE, errfile);
    const int status = system(cmd);
    char *text = read_all(errfile, NULL);
    snprintf(err, n, "%s", text ? text : "");
    free(text);
    unlink(errfile);
    return status;
}

static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    fail_msg("not a normal exit (status %d)", status);
    return -1;
}

static void test_bad_set_keeps_outputs(void **state)
{
    (void)state;
    char args[512], err[4096];
    snprintf(args, sizeof args, "--set revenue.vol=9 --json %s --csv %s", json, csv);
    assert_int_equal(exit_code(run_cli("", args, err, sizeof err)), 2);
    assert_non_null(strstr(err, "revenue.vol"));
    assert_int_equal(check_intact(), 0);
}

static void test_bad_backend_keeps_outputs(void **state)
{
    (void)state;
    char args[512], err[4096];
    snprintf(args, sizeof args, "--backend tpu --json %s --csv %s", json, csv);
    assert_int_equal(exit_code(run_cli("", args, err, sizeof err)), 2);
    assert_int_equal(check_intact(), 0);
    /* --backend cuda where there is none: a runtime failure, outputs kept. */
    snprintf(args, sizeof args, "--backend cuda --json %s --csv %s", json, csv);
    const int code = exit_code(run_cli("", args, err, sizeof err));
    if (code == 0) { /* a CUDA device ran it: nothing to check here */
        reset(state);
        return;
    }
    assert_int_equal(code, 1);
    assert_int_equal(check_intact(), 0);
}

/* The CSV directory is a plain file (or missing): the JSON, complete by then, must not
 * be renamed into place either (all or nothing). Works as root, unlike chmod. */
static void test_unwritable_csv_dir_keeps_json(void **state)
{
    (void)state;
    char args[512], err[4096];
    snprintf(args, sizeof args, "--json %s --csv %s/afile", json, dir);
    assert_int_equal(exit_code(run_cli("", args, err, sizeof err)), 1);
    assert_non_null(strstr(err, "afile"));
    assert_int_equal(check_intact(), 0);
    snprintf(args, sizeof args, "--json %s --csv %s/no/such/dir", json, dir);
    assert_int_equal(exit_code(run_cli("", args, err, sizeof err)), 1);
    assert_int_equal(check_intact(), 0);
}

/* A full disk: files may grow to 512 bytes (ulimit -f 1) and SIGXFSZ is ignored, so
 * writes fail with EFBIG; the run reports it (exit 1), removes its temporaries, and the
 * old files stay. */
static void test_disk_full_write_error_keeps_outputs(void **state)
{
    (void)state;
    char args[512], err[4096];
    snprintf(args, sizeof args, "--json %s --csv %s", json, csv);
    assert_int_equal(exit_code(run_cli("trap \"\" XFSZ; ulimit -f 1;", args, err, sizeof err)), 1);
    assert_non_null(strstr(err, "write failed"));
    assert_int_equal(check_intact(), 0); /* and no temporary left */
}

/* The same with SIGXFSZ at its default: the process is killed mid-write. It cannot clean
 * up, so a temporary may remain, but the targets are the old files. */
static void test_disk_full_killed_by_sigxfsz_keeps_outputs(void **state)
{
    (void)state;
    char args[512], err[4096];
    snprintf(args, sizeof args, "--json %s --csv %s", json, csv);
    const int status = run_cli("ulimit -f 1;", args, err, sizeof err);
    /* sh exec'd the CLI, so system() sees its death by signal as sh's status. */
    assert_true(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
    check_intact();
}

/* kill -9 half a second into a run of 10^10 paths writing over existing outputs. */
static void test_kill_9_mid_run_keeps_outputs(void **state)
{
    (void)state;
    const pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(BR_EXE, BR_EXE, "run", SCENARIO, "--paths", "1e10", "--json", json, "--csv", csv,
              "--quiet", (char *)NULL);
        _exit(127);
    }
    const struct timespec half = {0, 500000000L};
    nanosleep(&half, NULL);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still running: killed mid-run */
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    check_intact();
}

/* Control: a run that succeeds replaces both outputs and leaves no temporary. */
static void test_successful_run_replaces_outputs(void **state)
{
    (void)state;
    char args[512], err[4096];
    snprintf(args, sizeof args, "--json %s --csv %s", json, csv);
    assert_int_equal(exit_code(run_cli("", args, err, sizeof err)), 0);
    char *j = read_all(json, NULL), *s = read_all(summary, NULL), *m = read_all(months, NULL);
    assert_non_null(j);
    assert_non_null(s);
    assert_non_null(m);
    assert_non_null(strstr(j, "\"verification_hash\""));
    assert_true(strncmp(s, "scenario,", 9) == 0);
    assert_true(strncmp(m, "month,", 6) == 0);
    free(j);
    free(s);
    free(m);
    static const char *const top[] = {"out.json", "csv", "afile"};
    static const char *const in_csv[] = {"summary.csv", "xai-2026-base_months.csv"};
    int tmps = 0;
    assert_int_equal(stray_files(dir, top, 3, &tmps, 0), 0);
    assert_int_equal(stray_files(csv, in_csv, 2, &tmps, 0), 0);
    assert_int_equal(tmps, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bad_set_keeps_outputs, reset),
        cmocka_unit_test_setup(test_bad_backend_keeps_outputs, reset),
        cmocka_unit_test_setup(test_unwritable_csv_dir_keeps_json, reset),
        cmocka_unit_test_setup(test_disk_full_write_error_keeps_outputs, reset),
        cmocka_unit_test_setup(test_disk_full_killed_by_sigxfsz_keeps_outputs, reset),
        cmocka_unit_test_setup(test_kill_9_mid_run_keeps_outputs, reset),
        cmocka_unit_test_setup(test_successful_run_replaces_outputs, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
