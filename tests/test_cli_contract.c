/* test_cli_contract: the command line as users and tools see it: the JSON names other
 * tools read, exit codes (0 ok, 2 bad input/usage, 1 runtime), and that a failed run
 * leaves an existing output file exactly as it was. Runs the built `burnrate`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64];
static char scn[128];

static const char *scenario_text =
    "[scenario]\nname = small\nhorizon_months = 40\n"
    "[cash]\ninitial = 10B\n"
    "[revenue]\ninitial = 200M\ngrowth = 0.02\nvol = 0.1\ngross_margin = 0.5\n"
    "[costs]\nopex = 400M\ncapex = 300M\ncapex_vol = 0.2\n"
    "[equity]\ntrigger_months = 6\nsuccess_normal = 0.5\nround_median = 3B\nmin_gap_months = 6\n"
    "[debt]\nfacility = 2B\nrate = 0.1\n"
    "[backstop]\nprobability = 0.5\namount = 1B\nmax_uses = 1\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

/* Run burnrate with args (a shell fragment), stdout+stderr to out; returns exit code. */
static int burnrate(const char *args, const char *out)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>&1", BR_EXE, args, out);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/br_cli_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(scn, sizeof scn, "%s/small.ini", dir);
    write_file(scn, scenario_text);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static cJSON *get(const cJSON *o, const char *name)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v)
        fail_msg("JSON lacks '%s'", name);
    return v;
}

static void test_json_result_has_every_contract_name(void **state)
{
    (void)state;
    char args[1024], out[512], js[512];
    snprintf(js, sizeof js, "%s/r.json", dir);
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(args, sizeof args, "run '%s' --paths 100K --threads 2 --json '%s' --quiet", scn, js);
    assert_int_equal(burnrate(args, out), 0);
    char *text = read_file(js);
    assert_non_null(text);
    cJSON *root = cJSON_Parse(text);
    assert_non_null(root);
    assert_true(cJSON_IsString(get(root, "version")));
    cJSON *run = get(root, "run");
    const char *run_keys[] = {"paths", "seed", "backend", "threads", "ranks", "elapsed_s",
                              "path_months_per_s"};
    for (size_t i = 0; i < sizeof run_keys / sizeof *run_keys; ++i)
        get(run, run_keys[i]);
    assert_int_equal((int)get(run, "paths")->valuedouble, 100000);
    assert_string_equal(get(run, "backend")->valuestring, "cpu");
    cJSON *sc = cJSON_GetArrayItem(get(root, "scenarios"), 0);
    assert_non_null(sc);
    assert_string_equal(get(sc, "name")->valuestring, "small");
    assert_int_equal((int)get(sc, "horizon_months")->valuedouble, 40);
    get(sc, "paths");
    cJSON *params = get(sc, "parameters");
    assert_true(cJSON_GetArraySize(params) >= 40); /* every resolved key, defaults too */
    assert_true(get(params, "cash.initial")->valuedouble == 10e9);
    cJSON *ins = get(sc, "insolvency");
    const char *ins_keys[] = {"probability", "stderr", "ci95", "by_month", "at_12", "at_24", "at_36"};
    for (size_t i = 0; i < sizeof ins_keys / sizeof *ins_keys; ++i)
        get(ins, ins_keys[i]);
    assert_int_equal(cJSON_GetArraySize(get(ins, "by_month")), 40);
    assert_true(cJSON_IsNull(get(ins, "at_36")) == 0); /* 36 <= 40 */
    const double p = get(ins, "probability")->valuedouble;
    cJSON *ci = get(ins, "ci95");
    assert_true(cJSON_GetArrayItem(ci, 0)->valuedouble <= p);
    assert_true(cJSON_GetArrayItem(ci, 1)->valuedouble >= p);
    /* by_month is cumulative and ends at the probability by the horizon */
    double prev = 0;
    cJSON *m;
    cJSON_ArrayForEach(m, get(ins, "by_month"))
    {
        assert_true(m->valuedouble >= prev);
        prev = m->valuedouble;
    }
    assert_true(prev == p);
    const char *dist_keys[] = {"mean", "p05", "p25", "p50", "p75", "p95", "beyond_horizon",
                               "histogram"};
    const char *dists[] = {"runway_months", "time_to_insolvency_months"};
    for (int d = 0; d < 2; ++d) {
        cJSON *o = get(sc, dists[d]);
        for (size_t i = 0; i < sizeof dist_keys / sizeof *dist_keys; ++i)
            get(o, dist_keys[i]);
        assert_int_equal(cJSON_GetArraySize(get(o, "histogram")), 41);
    }
    /* the runway histogram counts every path once */
    double total = 0;
    cJSON_ArrayForEach(m, get(get(sc, "runway_months"), "histogram")) total += m->valuedouble;
    assert_true(total == 100000);
    const char *tc_keys[] = {"mean", "p05", "p50", "p95", "var05", "cvar05"};
    for (size_t i = 0; i < sizeof tc_keys / sizeof *tc_keys; ++i)
        get(get(sc, "terminal_cash"), tc_keys[i]);
    const char *fu_keys[] = {"equity_rounds_mean", "equity_raised_mean", "debt_drawn_mean",
                             "backstop_probability", "need_p50", "need_p95"};
    for (size_t i = 0; i < sizeof fu_keys / sizeof *fu_keys; ++i)
        get(get(sc, "funding"), fu_keys[i]);
    const char *hash = get(sc, "verification_hash")->valuestring;
    assert_int_equal(strlen(hash), 16);
    /* and nothing in it is NaN or Inf (cJSON would print null, or fail to print) */
    assert_null(strstr(text, "nan"));
    assert_null(strstr(text, "inf"));
    cJSON_Delete(root);
    free(text);
}

static void test_same_seed_same_hash_other_seed_other_hash(void **state)
{
    (void)state;
    char args[1024], out[512];
    snprintf(out, sizeof out, "%s/h.txt", dir);
    char *h[3];
    const char *opts[3] = {"--seed 7 --threads 1", "--seed 7 --threads 2", "--seed 8"};
    for (int i = 0; i < 3; ++i) {
        snprintf(args, sizeof args, "run '%s' --paths 70K %s --json - --quiet", scn, opts[i]);
        assert_int_equal(burnrate(args, out), 0);
        char *t = read_file(out);
        char *k = strstr(t, "\"verification_hash\"");
        assert_non_null(k);
        h[i] = strndup(k, 40);
        free(t);
    }
    assert_string_equal(h[0], h[1]);
    assert_string_not_equal(h[0], h[2]);
    for (int i = 0; i < 3; ++i)
        free(h[i]);
}

static void test_usage_errors_exit_2_with_a_message(void **state)
{
    (void)state;
    char args[1024], out[512];
    snprintf(out, sizeof out, "%s/u.txt", dir);
    struct { const char *args; const char *msg; } cases[] = {
        {"frobnicate", "unknown command 'frobnicate'"},
        {"run", "run: no scenario file given"},
        {"run SCN --paths 0", "--paths '0': allowed"},
        {"run SCN --paths 1.5X", "--paths '1.5X': allowed"},
        {"run SCN --paths -5", "--paths '-5': allowed"},
        {"run SCN --seed abc", "--seed 'abc': allowed"},
        {"run SCN --threads 0", "--threads '0': allowed: 1 .. 4096"},
        {"run SCN --backend gpu", "--backend 'gpu': allowed: auto, cpu, cuda"},
        {"run SCN --bogus", "unknown option '--bogus'"},
        {"run SCN --paths", "option --paths needs a value"},
        {"run SCN --paths 1e17", "--paths '1e17': allowed 1 .. 9007199254740992"},
        {"run SCN --paths 9007199254740993", "--paths '9007199254740993': allowed 1 .. 9007199254740992"},
        {"run SCN --paths 9.007199254740993e15", "--paths '9.007199254740993e15': allowed 1 .. 9007199254740992"},
        {"run /nonexistent/x.ini", "/nonexistent/x.ini"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        char a[1024];
        const char *s = strstr(cases[i].args, "SCN");
        if (s)
            snprintf(a, sizeof a, "%.*s'%s'%s", (int)(s - cases[i].args), cases[i].args, scn, s + 3);
        else
            snprintf(a, sizeof a, "%s", cases[i].args);
        snprintf(args, sizeof args, "%s", a);
        const int code = burnrate(args, out);
        char *t = read_file(out);
        if (code != 2 || !strstr(t, cases[i].msg))
            fail_msg("burnrate %s: exit %d, output '%s'; expected exit 2 and '%s'", args, code, t,
                     cases[i].msg);
        assert_non_null(strstr(t, "burnrate: "));
        free(t);
    }
}

/* A run that fails (bad --set, unusable backend, unwritable CSV directory) must leave
 * an existing result file byte for byte as it was, and leave no temporary behind. */
static void test_failed_run_leaves_existing_output_intact(void **state)
{
    (void)state;
    char args[2048], out[512], js[512];
    snprintf(js, sizeof js, "%s/keep.json", dir);
    snprintf(out, sizeof out, "%s/k.txt", dir);
    write_file(js, "{\"previous\": true}\n");
    struct { const char *extra; int code; } cases[] = {
        {"--set revenue.vol=abc", 2},
        {"--set nosuch.key=1", 2},
        {"--csv /nonexistent/dir", 1},
#if !BR_WITH_CUDA
        {"--backend cuda", 1},
#endif
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
        snprintf(args, sizeof args, "run '%s' --paths 10K --json '%s' %s", scn, js, cases[i].extra);
        const int code = burnrate(args, out);
        char *t = read_file(out);
        if (code != cases[i].code)
            fail_msg("%s: exit %d (expected %d): %s", cases[i].extra, code, cases[i].code, t);
        free(t);
        char *kept = read_file(js);
        assert_string_equal(kept, "{\"previous\": true}\n");
        free(kept);
    }
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q '\\.tmp\\.'", dir);
    assert_int_not_equal(system(cmd), 0);
}

static void test_csv_and_version(void **state)
{
    (void)state;
    char args[2048], out[512], csvdir[512], path[600];
    snprintf(csvdir, sizeof csvdir, "%s/csv", dir);
    mkdir(csvdir, 0755);
    snprintf(out, sizeof out, "%s/c.txt", dir);
    snprintf(args, sizeof args, "run '%s' --paths 20K --csv '%s' --quiet", scn, csvdir);
    assert_int_equal(burnrate(args, out), 0);
    snprintf(path, sizeof path, "%s/summary.csv", csvdir);
    char *s = read_file(path);
    assert_non_null(s);
    assert_non_null(strstr(s, "scenario,horizon_months,paths,insolvency_probability"));
    assert_non_null(strstr(s, "\"small\",40,20000,"));
    free(s);
    snprintf(path, sizeof path, "%s/small_months.csv", csvdir);
    s = read_file(path);
    assert_non_null(s);
    int lines = 0;
    for (char *c = s; *c; ++c)
        lines += *c == '\n';
    assert_int_equal(lines, 41); /* header + 40 months */
    free(s);
    assert_int_equal(burnrate("--version", out), 0);
    s = read_file(out);
    assert_non_null(strstr(s, "burnrate " ));
    assert_non_null(strstr(s, "backends: cpu"));
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_result_has_every_contract_name),
        cmocka_unit_test(test_same_seed_same_hash_other_seed_other_hash),
        cmocka_unit_test(test_usage_errors_exit_2_with_a_message),
        cmocka_unit_test(test_failed_run_leaves_existing_output_intact),
        cmocka_unit_test(test_csv_and_version),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
