/* test_resource_limits: --paths beyond what the tallies can count (2^53) is refused up
 * front with exit 2 and a message naming --paths, also where the number rounds to 2^53
 * as a double (2^53 + 1); and memory does not grow with the number of paths: the
 * smallest address-space limit (ulimit -v) under which 10^6 paths of a one-month
 * scenario run is found, and 10^8 paths must run under that limit plus 16 MiB (less than
 * 0.2 bytes per extra path). Skipped under AddressSanitizer, which reserves terabytes of
 * address space. The executable is BR_EXE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define BR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BR_ASAN 1
#endif
#endif
#ifndef BR_ASAN
#define BR_ASAN 0
#endif

/* A one-month run: the cost of a path is one month, the cost of memory is what counts. */
#define RUN "run scenarios/xai-2026-base.ini --set scenario.horizon_months=1 --threads 2"

static char tmp[64];

static int setup(void **state)
{
    (void)state;
    if (chdir(BR_SOURCE_DIR) != 0)
        return -1;
    snprintf(tmp, sizeof tmp, "/tmp/br_limits_XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

/* sh -c "LIMITS; exec BR_EXE ARGS"; stderr into err; returns the exit code, or 128 +
 * the signal that ended it. */
static int run_cli(const char *limits, const char *args, char *err, size_t n)
{
    char cmd[2048], errfile[128];
    snprintf(errfile, sizeof errfile, "%s/stderr.txt", tmp);
    snprintf(cmd, sizeof cmd, "sh -c '%s exec \"$0\" %s' '%s' >/dev/null 2>'%s'", limits, args,
             BR_EXE, errfile);
    const int st = system(cmd);
    FILE *f = fopen(errfile, "r");
    size_t got = f ? fread(err, 1, n - 1, f) : 0;
    err[got] = '\0';
    if (f)
        fclose(f);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Each count is refused before anything runs. A CPU-time limit turns a count that is
 * wrongly accepted into a failure (killed by SIGXCPU) instead of a run of 2^53 paths. */
static void test_paths_beyond_2_53_refused(void **state)
{
    (void)state;
    static const char *const counts[] = {
        "9007199254740993",     /* 2^53 + 1: a double reads it as 2^53 */
        "9007199254740994",     /* 2^53 + 2 */
        "9007199254740992.5",
        "1e17", "1e16",
        "18446744073709551615", /* 2^64 - 1 */
        "18446744073709551616", /* 2^64 */
        "1e300", "0",
    };
    size_t failed = 0;
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; ++i) {
        char args[512], err[4096];
        snprintf(args, sizeof args, RUN " --quiet --paths %s", counts[i]);
        const int code = run_cli("ulimit -t 5;", args, err, sizeof err);
        if (code != 2 || strncmp(err, "burnrate: --paths", 17) != 0) {
            print_error("--paths %s: exit %d (want 2), stderr: %s\n", counts[i], code, err);
            failed++;
        }
    }
    assert_int_equal(failed, 0);
}

static int run_under(long kib, const char *paths, char *err, size_t n)
{
    char limits[64], args[512];
    snprintf(limits, sizeof limits, "ulimit -v %ld;", kib);
    snprintf(args, sizeof args, RUN " --quiet --paths %s --json %s/out.json", paths, tmp);
    return run_cli(limits, args, err, n);
}

static void test_memory_independent_of_paths(void **state)
{
    (void)state;
    if (BR_ASAN)
        skip(); /* ASan's shadow memory makes ulimit -v meaningless */
    char err[4096];
    /* The smallest limit (to 1 MiB) under which 10^6 paths run. */
    long lo = 1024, hi = 1024 * 1024; /* KiB: fails at lo, runs at hi */
    assert_int_equal(run_under(hi, "1e6", err, sizeof err), 0);
    assert_true(run_under(lo, "1e6", err, sizeof err) != 0);
    while (hi - lo > 1024) {
        const long mid = lo + (hi - lo) / 2;
        if (run_under(mid, "1e6", err, sizeof err) == 0)
            hi = mid;
        else
            lo = mid;
    }
    print_message("10^6 paths need an address-space limit of about %ld KiB\n", hi);
    /* 100 times the paths in the same memory (16 MiB of slack, 0.17 bytes a path). */
    const long limit = hi + 16 * 1024;
    const int code = run_under(limit, "1e8", err, sizeof err);
    if (code != 0)
        fail_msg("10^8 paths under ulimit -v %ld: exit %d: %s", limit, code, err);
    char path[128];
    snprintf(path, sizeof path, "%s/out.json", tmp);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[1 << 16];
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "\"paths\":\t100000000,"));
}

/* argv[1], if given, names the one test to run: ctest runs the two apart, so the memory
 * test's skip under ASan cannot hide a failure of the other. */
int main(int argc, char **argv)
{
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_paths_beyond_2_53_refused),
        cmocka_unit_test(test_memory_independent_of_paths),
    };
    struct CMUnitTest tests[2];
    size_t n = 0;
    for (size_t i = 0; i < 2; ++i)
        if (argc < 2 || strcmp(argv[1], all[i].name) == 0)
            tests[n++] = all[i];
    if (n == 0) {
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 1;
    }
    return _cmocka_run_group_tests("test_resource_limits", tests, n, setup, teardown);
}
