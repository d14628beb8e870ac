/* test_regress_inputs_load_and_run_clean: every input in tests/regress (crashes and wrong
 * results found by fuzzing and by the robustness work) either is refused with BR_E_INPUT
 * and a message, or loads and runs 4096 paths with finite model tables, every path's
 * money finite and its months inside 0 .. horizon, and finite statistics. Each file's
 * leading comment says what went wrong. */
#include "burnrate.h"
#include "cpu.h"
#include "model_build.h"
#include "result.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIRNAME "tests/regress"
#define N_PATHS 4096u

/* What is wrong with a run of the scenario at path, or "" when nothing is. */
static void check_input(const char *path, char *why, size_t n)
{
    why[0] = '\0';
    char err[BR_ERRLEN] = "";
    br_scenario *sc = (br_scenario *)0x1;
    const br_status st = br_scenario_load(path, NULL, 0, &sc, err, sizeof err);
    if (st != BR_OK) {
        if (st != BR_E_INPUT || sc != NULL || err[0] == '\0')
            snprintf(why, n, "refused without BR_E_INPUT and a message (%s: '%s')",
                     br_status_str(st), err);
        return;
    }
    br_model *m = malloc(sizeof *m);
    br_outcome *o = malloc(N_PATHS * sizeof *o);
    assert_non_null(m);
    assert_non_null(o);
    br_model_build(sc, m);
    for (int t = 0; t < m->horizon && !why[0]; ++t)
        if (!isfinite(m->opex[t]) || !isfinite(m->plan[t]))
            snprintf(why, n, "model table of month %d: opex %g, plan %g", t + 1,
                     (double)m->opex[t], (double)m->plan[t]);
    br_cpu_outcomes(m, BR_DEFAULT_SEED, 0, N_PATHS, o);
    for (size_t p = 0; p < N_PATHS && !why[0]; ++p) {
        const br_outcome *x = &o[p];
        if (!(isfinite(x->cash) && isfinite(x->need) && isfinite(x->raised) &&
              isfinite(x->drawn)))
            snprintf(why, n, "path %zu: cash %g, need %g, raised %g, drawn %g", p,
                     (double)x->cash, (double)x->need, (double)x->raised, (double)x->drawn);
        else if (x->insolvent < 0 || x->insolvent > m->horizon || x->runway < 0 ||
                 x->runway > m->horizon)
            snprintf(why, n, "path %zu: insolvent %d, runway %d outside 0 .. %d", p,
                     x->insolvent, x->runway, m->horizon);
    }
    const br_scenario *list[] = {sc};
    const br_run_config cfg = {.paths = N_PATHS, .seed = BR_DEFAULT_SEED, .threads = 2,
                               .backend = "cpu"};
    br_result *r = NULL;
    if (br_run(list, 1, &cfg, &r, err, sizeof err) != BR_OK) {
        if (!why[0])
            snprintf(why, n, "br_run failed: %s", err);
    } else {
        const br_stats *s = &r->items[0].stats;
        const double v[] = {s->terminal_cash.mean, s->terminal_cash.p05, s->terminal_cash.p95,
                            s->need_mean, s->need_p50, s->need_p95, s->equity_raised_mean,
                            s->debt_drawn_mean, s->p_insolvent};
        for (size_t i = 0; i < sizeof v / sizeof v[0] && !why[0]; ++i)
            if (!isfinite(v[i]))
                snprintf(why, n, "statistic %zu is %g", i, v[i]);
        /* Terminal cash of a surviving path is never below the floor. */
        if (!why[0] && s->terminal_cash.n > 0 && s->terminal_cash.mean < sc->cash_minimum)
            snprintf(why, n, "mean terminal cash %g below cash.minimum %g",
                     s->terminal_cash.mean, sc->cash_minimum);
        br_result_free(r);
    }
    free(o);
    free(m);
    br_scenario_free(sc);
}

static void test_each_regress_input_runs_clean(void **state)
{
    (void)state;
    assert_int_equal(chdir(BR_SOURCE_DIR), 0);
    DIR *d = opendir(DIRNAME);
    assert_non_null(d);
    size_t files = 0, failed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[512], why[512];
        snprintf(path, sizeof path, DIRNAME "/%s", e->d_name);
        files++;
        check_input(path, why, sizeof why);
        if (why[0]) {
            print_error("%s: %s\n", path, why);
            failed++;
        }
    }
    closedir(d);
    print_message("%zu inputs checked\n", files);
    assert_true(files > 0);
    assert_int_equal(failed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_regress_input_runs_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
