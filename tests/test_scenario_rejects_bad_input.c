/* test_scenario_rejects_bad_input: every malformed scenario in tests/bad (one file per
 * rule of MODEL.md s.8), a few made at run time (a 10 MB line, a directory, a missing
 * file) and --set mistakes are refused with BR_E_INPUT and exactly the message in
 * tests/bad/expected.txt. A corpus file without an expectation fails the test. */
#include "burnrate.h"
#include "scenario.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define MAX_CASES 256

struct expectation {
    char *name, *message;
};

static struct expectation cases[MAX_CASES];
static size_t n_cases;
static char tmpdir[64];

static void load_expectations(void)
{
    FILE *f = fopen("tests/bad/expected.txt", "r");
    assert_non_null(f);
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            fail_msg("expected.txt: no tab in '%s'", line);
        *tab = '\0';
        assert_true(n_cases < MAX_CASES);
        cases[n_cases].name = strdup(line);
        cases[n_cases].message = strdup(tab + 1);
        n_cases++;
    }
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    if (chdir(BR_SOURCE_DIR) != 0)
        return -1;
    load_expectations();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/br_bad_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    static const char *made[] = {"long_line.ini", "crlf_bom.ini"};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; ++i) {
        snprintf(path, sizeof path, "%s/%s", tmpdir, made[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    for (size_t i = 0; i < n_cases; ++i) {
        free(cases[i].name);
        free(cases[i].message);
    }
    return 0;
}

static void write_file(const char *path, const char *head, size_t filler, const char *tail)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(head, f);
    for (size_t i = 0; i < filler; ++i)
        fputc('x', f);
    fputs(tail, f);
    assert_int_equal(fclose(f), 0);
}

/* The input an @NAME expectation stands for, made in tmpdir. */
static void make_input(const char *name, char *path, size_t n)
{
    if (strcmp(name, "@long_line") == 0) {
        snprintf(path, n, "%s/long_line.ini", tmpdir);
        write_file(path, "[cash]\ninitial = 10B\n[scenario]\ndescription = ", (size_t)10 << 20,
                   "\n");
    } else if (strcmp(name, "@crlf_bom") == 0) {
        snprintf(path, n, "%s/crlf_bom.ini", tmpdir);
        write_file(path, "\xef\xbb\xbf[cash]\r\ninitial = 10B\r\n[revenue]\r\nvol = 3\r\n", 0, "");
    } else if (strcmp(name, "@directory") == 0) {
        snprintf(path, n, "%s", tmpdir);
    } else if (strcmp(name, "@missing_file") == 0) {
        snprintf(path, n, "%s/no_such_scenario.ini", tmpdir);
    } else {
        fail_msg("expected.txt: no generator for %s", name);
    }
}

/* `{path}` -> path. */
static void expand(const char *msg, const char *path, char *out, size_t n)
{
    const char *p = strstr(msg, "{path}");
    if (!p) {
        snprintf(out, n, "%s", msg);
        return;
    }
    snprintf(out, n, "%.*s%s%s", (int)(p - msg), msg, path, p + strlen("{path}"));
}

static bool run_case(const struct expectation *c)
{
    char path[512], want[4096], err[BR_ERRLEN] = "";
    const char *sets[8];
    size_t n_sets = 0;
    char *set_copy = NULL;

    if (strncmp(c->name, "set:", 4) == 0) {
        snprintf(path, sizeof path, "tests/data/scenario_minimal.ini");
        set_copy = strdup(c->name + 4);
        for (char *s = strtok(set_copy, "|"); s && n_sets < 8; s = strtok(NULL, "|"))
            sets[n_sets++] = s;
    } else if (c->name[0] == '@') {
        make_input(c->name, path, sizeof path);
    } else {
        snprintf(path, sizeof path, "tests/bad/%s", c->name);
    }
    expand(c->message, path, want, sizeof want);

    br_scenario *sc = (br_scenario *)0x1;
    br_status st = br_scenario_load(path, sets, n_sets, &sc, err, sizeof err);
    free(set_copy);
    bool ok = st == BR_E_INPUT && sc == NULL && strcmp(err, want) == 0;
    if (!ok)
        print_error("%s: status %s\n   got: %s\n  want: %s\n", c->name, br_status_str(st), err,
                    want);
    br_scenario_free(sc);
    return ok;
}

static void test_each_bad_input_gives_its_message(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < n_cases; ++i)
        failed += !run_case(&cases[i]);
    print_message("%zu bad inputs checked\n", n_cases);
    assert_int_equal(failed, 0);
}

static void test_every_corpus_file_has_an_expectation(void **state)
{
    (void)state;
    DIR *d = opendir("tests/bad");
    assert_non_null(d);
    size_t files = 0, missing = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".ini") != 0)
            continue;
        files++;
        bool found = false;
        for (size_t i = 0; i < n_cases && !found; ++i)
            found = strcmp(cases[i].name, e->d_name) == 0;
        if (!found) {
            print_error("tests/bad/%s has no line in tests/bad/expected.txt\n", e->d_name);
            missing++;
        }
    }
    closedir(d);
    assert_true(files > 0);
    assert_int_equal(missing, 0);

    /* ...and every plain expectation names a file that exists. */
    for (size_t i = 0; i < n_cases; ++i) {
        if (cases[i].name[0] == '@' || strncmp(cases[i].name, "set:", 4) == 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "tests/bad/%s", cases[i].name);
        if (access(path, F_OK) != 0)
            fail_msg("expected.txt names %s, which does not exist", path);
    }
}

static void test_with_rejects_bad_assignment(void **state)
{
    (void)state;
    char err[BR_ERRLEN];
    br_scenario *sc = NULL, *c = (br_scenario *)0x1;
    assert_int_equal(
        br_scenario_load("tests/data/scenario_minimal.ini", NULL, 0, &sc, err, sizeof err), BR_OK);
    assert_int_equal(br_scenario_with(sc, "revenue.vol=9", &c, err, sizeof err), BR_E_INPUT);
    assert_null(c);
    assert_string_equal(err, "--set 'revenue.vol=9': revenue.vol = '9': out of range; "
                             "allowed: 0 .. 2");
    br_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_corpus_file_has_an_expectation),
        cmocka_unit_test(test_each_bad_input_gives_its_message),
        cmocka_unit_test(test_with_rejects_bad_assignment),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
