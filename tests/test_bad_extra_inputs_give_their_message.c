/* test_bad_extra_inputs_give_their_message: the malformed inputs of tests/bad-extra (cases
 * tests/bad does not hold: a NUL byte, CR-only line ends, a BOM past the start, an
 * overlong UTF-8 sequence, inline `#` and `;` without a space, a 198-byte line, a
 * continuation line, a key repeated under a repeated section, --set mistakes, ...) are
 * refused with BR_E_INPUT and exactly the message in tests/bad-extra/expected.txt; and a
 * valid file with a UTF-8 BOM and CRLF line ends loads with its values. */
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

#define DIRNAME "tests/bad-extra"
#define MAX_CASES 256

static char *names[MAX_CASES], *messages[MAX_CASES];
static size_t n_cases;

static int setup(void **state)
{
    (void)state;
    if (chdir(BR_SOURCE_DIR) != 0)
        return -1;
    FILE *f = fopen(DIRNAME "/expected.txt", "r");
    if (!f)
        return -1;
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (line[0] == '\0' || line[0] == '#' || !tab || n_cases == MAX_CASES)
            continue;
        *tab = '\0';
        names[n_cases] = strdup(line);
        messages[n_cases] = strdup(tab + 1);
        n_cases++;
    }
    fclose(f);
    return n_cases ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_cases; ++i) {
        free(names[i]);
        free(messages[i]);
    }
    return 0;
}

static int run_case(size_t i)
{
    char path[512], err[BR_ERRLEN] = "";
    const char *sets[8];
    size_t n_sets = 0;
    char *copy = NULL;
    if (strncmp(names[i], "set:", 4) == 0) {
        snprintf(path, sizeof path, "tests/data/scenario_minimal.ini");
        copy = strdup(names[i] + 4);
        for (char *s = strtok(copy, "|"); s && n_sets < 8; s = strtok(NULL, "|"))
            sets[n_sets++] = s;
    } else {
        snprintf(path, sizeof path, DIRNAME "/%s", names[i]);
    }
    br_scenario *sc = (br_scenario *)0x1;
    const br_status st = br_scenario_load(path, sets, n_sets, &sc, err, sizeof err);
    free(copy);
    const int ok = st == BR_E_INPUT && sc == NULL && strcmp(err, messages[i]) == 0;
    if (!ok)
        print_error("%s: status %s\n   got: %s\n  want: %s\n", names[i], br_status_str(st), err,
                    messages[i]);
    if (st == BR_OK)
        br_scenario_free(sc);
    return ok;
}

static void test_each_input_gives_its_message(void **state)
{
    (void)state;
    size_t failed = 0;
    for (size_t i = 0; i < n_cases; ++i)
        failed += !run_case(i);
    print_message("%zu inputs checked\n", n_cases);
    assert_int_equal(failed, 0);
}

static void test_every_file_has_an_expectation(void **state)
{
    (void)state;
    DIR *d = opendir(DIRNAME);
    assert_non_null(d);
    size_t files = 0, missing = 0;
    for (struct dirent *e; (e = readdir(d));) {
        const size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 4, ".ini") != 0)
            continue;
        files++;
        int found = 0;
        for (size_t i = 0; i < n_cases && !found; ++i)
            found = strcmp(names[i], e->d_name) == 0;
        if (!found) {
            print_error(DIRNAME "/%s has no line in expected.txt\n", e->d_name);
            missing++;
        }
    }
    closedir(d);
    assert_true(files > 0);
    assert_int_equal(missing, 0);
}

/* The BOM is skipped and CR LF is a line end: the file means what it says. */
static void test_bom_and_crlf_file_loads(void **state)
{
    (void)state;
    char path[] = "/tmp/br_crlfXXXXXX";
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "\xef\xbb\xbf; a comment\r\n[scenario]\r\nname = crlf\r\n"
                               "horizon_months = 24\r\n\r\n[cash]\r\ninitial = 2.57B\r\n"
                               "[revenue]\r\nvol = 0.25 ; monthly\r\n[market]\r\ninitial = stressed\r\n"
                               "[costs]\r\ncapex_schedule = 1:2B, 13:3B\r\n";
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    br_scenario *sc = NULL;
    char err[BR_ERRLEN] = "";
    const br_status st = br_scenario_load(path, NULL, 0, &sc, err, sizeof err);
    unlink(path);
    if (st != BR_OK)
        fail_msg("%s", err);
    assert_string_equal(sc->name, "crlf");
    assert_int_equal(sc->horizon_months, 24);
    assert_true(sc->cash_initial == 2.57e9);
    assert_true(sc->revenue_vol == 0.25);
    assert_int_equal(sc->market_initial, 1);
    assert_int_equal(sc->n_capex_schedule, 2);
    assert_true(sc->capex_schedule_amounts[1] == 3e9);
    br_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file_has_an_expectation),
        cmocka_unit_test(test_each_input_gives_its_message),
        cmocka_unit_test(test_bom_and_crlf_file_loads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
