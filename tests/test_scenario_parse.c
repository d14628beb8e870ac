/* test_scenario_parse: valid scenarios load into exactly the values they say: every key,
 * the defaults of MODEL.md s.8, money suffixes, capex schedules, BOM and CRLF files,
 * --set overrides, br_scenario_with copies, the repaired correlation matrix and its
 * Cholesky factor, and the print/each_param output that lists every key. */
#include "burnrate.h"
#include "linalg.h"
#include "scenario.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define FULL BR_SOURCE_DIR "/tests/data/scenario_full.ini"
#define MINIMAL BR_SOURCE_DIR "/tests/data/scenario_minimal.ini"

static char tmpdir[64];

static br_scenario *load_ok(const char *path, const char *const *sets, size_t n_sets)
{
    char err[BR_ERRLEN] = "";
    br_scenario *sc = NULL;
    br_status st = br_scenario_load(path, sets, n_sets, &sc, err, sizeof err);
    if (st != BR_OK)
        fail_msg("%s: %s", br_status_str(st), err);
    assert_non_null(sc);
    return sc;
}

static br_scenario *with_ok(const br_scenario *sc, const char *assignment)
{
    char err[BR_ERRLEN] = "";
    br_scenario *c = NULL;
    br_status st = br_scenario_with(sc, assignment, &c, err, sizeof err);
    if (st != BR_OK)
        fail_msg("%s: %s", assignment, err);
    return c;
}

static void write_tmp(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void test_full_file_sets_every_key(void **state)
{
    (void)state;
    br_scenario *sc = load_ok(FULL, NULL, 0);
    assert_string_equal(sc->name, "full test");
    assert_string_equal(br_scenario_name(sc), "full test");
    assert_string_equal(sc->description, "every key, for the parser's tests");
    assert_int_equal(br_scenario_horizon(sc), 48);
    assert_true(sc->cash_initial == 12e9);
    assert_true(sc->cash_minimum == -1.5e6);
    assert_true(sc->revenue_initial == 270e6);
    assert_true(sc->revenue_growth == 0.05);
    assert_true(sc->revenue_growth_longrun == 0.01);
    assert_true(sc->revenue_growth_halflife_months == 18);
    assert_true(sc->revenue_growth_vol == 0.02);
    assert_true(sc->revenue_vol == 0.1);
    assert_true(sc->revenue_gross_margin == 0.6);
    assert_true(sc->revenue_stress_growth_penalty == 0.03);
    assert_true(sc->revenue_cap == 25e9);
    assert_true(sc->costs_opex == 800e6);
    assert_true(sc->costs_opex_growth == 0.01);
    assert_true(sc->costs_capex == 0);
    assert_true(sc->costs_capex_growth == 0.005);
    assert_true(sc->costs_capex_vol == 0.15);
    assert_true(sc->costs_compute_opex_rate == 0.02);
    assert_true(sc->costs_cashflow_vol == 100e3);
    assert_true(sc->market_stress_entry == 0.05);
    assert_true(sc->market_stress_exit == 0.2);
    assert_int_equal(sc->market_initial, 1);
    assert_true(sc->equity_trigger_months == 6);
    assert_int_equal(sc->equity_min_gap_months, 4);
    assert_true(sc->equity_success_normal == 0.8);
    assert_true(sc->equity_success_stressed == 0.3);
    assert_true(sc->equity_round_median == 20e9);
    assert_true(sc->equity_round_vol == 0.4);
    assert_true(sc->equity_revenue_elasticity == 0.5);
    assert_int_equal(sc->equity_max_rounds, 5);
    assert_int_equal(sc->equity_months_since_last_round, 3);
    assert_true(sc->debt_facility == 10e9);
    assert_true(sc->debt_initial_drawn == 2.5e9);
    assert_true(sc->debt_draw_buffer == 500e6);
    assert_true(sc->debt_rate == 0.09);
    assert_true(sc->debt_stress_spread == 0.04);
    assert_true(sc->backstop_probability == 0.5);
    assert_true(sc->backstop_amount == 15e9);
    assert_int_equal(sc->backstop_max_uses, 2);
    const double corr[BR_N_CORR] = {0.3, 0.2, 0.4, 0.1, 0.25, -0.2};
    for (int i = 0; i < BR_N_CORR; ++i)
        assert_true(sc->correlation[i] == corr[i]);
    assert_false(sc->correlation_repaired);
    br_scenario_free(sc);
}

static void test_schedule_is_parsed_in_order(void **state)
{
    (void)state;
    br_scenario *sc = load_ok(FULL, NULL, 0);
    assert_int_equal(sc->n_capex_schedule, 3);
    const int months[] = {1, 13, 25};
    const double amounts[] = {2.57e9, 3.2e9, 4e9};
    for (int i = 0; i < 3; ++i) {
        assert_int_equal(sc->capex_schedule_months[i], months[i]);
        assert_true(sc->capex_schedule_amounts[i] == amounts[i]);
    }
    /* Spacing and a single entry; the last month may equal the horizon. */
    br_scenario *c = with_ok(sc, "costs.capex_schedule=1:1B,48:2B");
    assert_int_equal(c->n_capex_schedule, 2);
    assert_int_equal(c->capex_schedule_months[1], 48);
    br_scenario *d = with_ok(c, "costs.capex_schedule=  1 : 7.5M  ");
    assert_int_equal(d->n_capex_schedule, 1);
    assert_true(d->capex_schedule_amounts[0] == 7.5e6);
    br_scenario *e = with_ok(d, "costs.capex_schedule=none");
    assert_int_equal(e->n_capex_schedule, 0);
    assert_null(e->capex_schedule_months);
    br_scenario_free(sc);
    br_scenario_free(c);
    br_scenario_free(d);
    br_scenario_free(e);
}

static void test_defaults_follow_model_md(void **state)
{
    (void)state;
    br_scenario *sc = load_ok(MINIMAL, NULL, 0);
    assert_string_equal(sc->name, "scenario_minimal");
    assert_string_equal(sc->description, "");
    assert_int_equal(sc->horizon_months, 60);
    assert_true(sc->cash_initial == 10e9);
    assert_true(sc->cash_minimum == 0);
    assert_true(sc->revenue_growth_halflife_months == 12);
    assert_true(sc->revenue_gross_margin == 1);
    assert_true(sc->revenue_cap == 1e13);
    assert_true(sc->market_stress_exit == 1);
    assert_int_equal(sc->market_initial, 0);
    assert_int_equal(sc->equity_max_rounds, -1);
    assert_int_equal(sc->equity_months_since_last_round, 1000);
    assert_int_equal(sc->n_capex_schedule, 0);
    for (int i = 0; i < BR_N_CORR; ++i)
        assert_true(sc->correlation[i] == 0);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j)
            assert_true(sc->cholesky[i][j] == (i == j));

    /* revenue.growth_longrun follows revenue.growth unless given. */
    const char *sets[] = {"revenue.growth=0.04"};
    br_scenario *g = load_ok(MINIMAL, sets, 1);
    assert_true(g->revenue_growth_longrun == 0.04);
    br_scenario *h = with_ok(g, "revenue.growth=0.02");
    assert_true(h->revenue_growth_longrun == 0.02);
    br_scenario *i = with_ok(h, "revenue.growth_longrun=0.001");
    br_scenario *j = with_ok(i, "revenue.growth=0.03");
    assert_true(j->revenue_growth_longrun == 0.001);
    br_scenario_free(sc);
    br_scenario_free(g);
    br_scenario_free(h);
    br_scenario_free(i);
    br_scenario_free(j);
}

static void test_money_suffixes(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        double value;
    } money[] = {
        {"2.57B", 2.57e9}, {"-1.5M", -1.5e6}, {"25e9", 25e9}, {"1K", 1e3},     {"1T", 1e12},
        {"+3M", 3e6},      {".5B", 0.5e9},    {"0", 0},       {"1000T", 1e15}, {"-1e15", -1e15},
    };
    br_scenario *sc = load_ok(MINIMAL, NULL, 0);
    for (size_t i = 0; i < sizeof money / sizeof money[0]; ++i) {
        char a[64];
        snprintf(a, sizeof a, "cash.initial=%s", money[i].text);
        br_scenario *c = with_ok(sc, a);
        if (c->cash_initial != money[i].value)
            fail_msg("%s gave %.17g", money[i].text, c->cash_initial);
        br_scenario_free(c);
    }
    br_scenario *m = with_ok(sc, "equity.max_rounds=unlimited");
    assert_int_equal(m->equity_max_rounds, -1);
    br_scenario *k = with_ok(m, "equity.max_rounds=0");
    assert_int_equal(k->equity_max_rounds, 0);
    br_scenario_free(m);
    br_scenario_free(k);
    br_scenario_free(sc);
}

static void test_bom_crlf_and_comments(void **state)
{
    (void)state;
    char path[128];
    write_tmp("bom_crlf.ini",
              "\xef\xbb\xbf; a comment\r\n"
              "[scenario]\r\n"
              "  name = windows file\r\n"
              "\r\n"
              "[cash]\r\n"
              "initial = 10B ; inline comment\r\n"
              "# another comment\r\n"
              "[revenue]\r\n"
              "\tvol : 0.25\r\n",
              path, sizeof path);
    br_scenario *sc = load_ok(path, NULL, 0);
    assert_string_equal(sc->name, "windows file");
    assert_true(sc->cash_initial == 10e9);
    assert_true(sc->revenue_vol == 0.25);
    br_scenario_free(sc);
    unlink(path);

    /* No newline at the end, description with UTF-8 and a default name from the path. */
    write_tmp("no_newline.v2.ini",
              "[scenario]\ndescription = caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x9a\x80\n"
              "[cash]\ninitial = 1B",
              path, sizeof path);
    sc = load_ok(path, NULL, 0);
    assert_string_equal(sc->name, "no_newline.v2");
    assert_string_equal(sc->description, "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x9a\x80");
    assert_true(sc->cash_initial == 1e9);
    br_scenario_free(sc);
    unlink(path);
}

static void test_set_overrides_file_values(void **state)
{
    (void)state;
    const char *sets[] = {"revenue.vol=0.5", " scenario.horizon_months = 36 ",
                          "market.initial=normal", "scenario.name=swept", "revenue.vol=0.6"};
    br_scenario *sc = load_ok(FULL, sets, sizeof sets / sizeof sets[0]);
    assert_true(sc->revenue_vol == 0.6);
    assert_int_equal(sc->horizon_months, 36);
    assert_int_equal(sc->market_initial, 0);
    assert_string_equal(sc->name, "swept");
    assert_int_equal(sc->n_capex_schedule, 3);
    br_scenario_free(sc);
}

static void test_with_is_a_deep_copy(void **state)
{
    (void)state;
    br_scenario *sc = load_ok(FULL, NULL, 0);
    br_scenario *c = with_ok(sc, "debt.rate=0.12");
    assert_true(c->debt_rate == 0.12);
    assert_true(sc->debt_rate == 0.09);
    assert_ptr_not_equal(c->capex_schedule_months, sc->capex_schedule_months);
    br_scenario_free(sc);
    /* The copy's schedule outlives the original. */
    assert_int_equal(c->n_capex_schedule, 3);
    assert_int_equal(c->capex_schedule_months[2], 25);
    assert_true(c->capex_schedule_amounts[2] == 4e9);
    assert_string_equal(c->name, "full test");
    br_scenario_free(c);
}

static void check_correlation_factor(const br_scenario *sc)
{
    static const int pair[BR_N_CORR][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
    double a[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
    for (int c = 0; c < BR_N_CORR; ++c)
        a[pair[c][0]][pair[c][1]] = a[pair[c][1]][pair[c][0]] = sc->correlation[c];
    double w[4], v[4][4];
    br_la_eig_sym(a, w, v);
    assert_true(w[0] >= -1e-12);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) {
            double s = 0;
            for (int k = 0; k < 4; ++k)
                s += sc->cholesky[i][k] * sc->cholesky[j][k];
            if (fabs(s - a[i][j]) > 1e-9)
                fail_msg("(L L^T)[%d][%d] = %.17g, matrix %.17g", i, j, s, a[i][j]);
            if (j > i)
                assert_true(sc->cholesky[i][j] == 0);
        }
}

static void test_repair_correlation_gives_nearest_psd_matrix(void **state)
{
    (void)state;
    const char *sets[] = {"correlation.revenue_growth=0.9", "correlation.revenue_capex=0.9",
                          "correlation.growth_capex=-0.9"};
    char err[BR_ERRLEN];
    br_scenario *sc = NULL;
    assert_int_equal(br_scenario_load(MINIMAL, sets, 3, &sc, err, sizeof err), BR_E_INPUT);
    assert_null(sc);
    assert_non_null(strstr(err, "smallest eigenvalue -0.8"));

    br_scenario_set_repair_correlation(true);
    sc = load_ok(MINIMAL, sets, 3);
    br_scenario_set_repair_correlation(false);
    assert_true(sc->correlation_repaired);
    check_correlation_factor(sc);
    for (int i = 0; i < BR_N_CORR; ++i)
        assert_true(sc->correlation[i] >= -1 && sc->correlation[i] <= 1);
    /* Nearest, not merely valid: the signs of the pattern survive, and the untouched
     * pairs stay near 0. */
    assert_true(sc->correlation[BR_CORR_RG] > 0.3 && sc->correlation[BR_CORR_RK] > 0.3);
    assert_true(sc->correlation[BR_CORR_GK] < -0.3);
    assert_true(fabs(sc->correlation[BR_CORR_RC]) < 1e-6);

    /* Its print says so. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    br_scenario_print(sc, f);
    fclose(f);
    assert_non_null(strstr(buf, "# correlation repaired"));
    free(buf);
    br_scenario_free(sc);

    /* A PSD matrix is left alone and factored. */
    sc = load_ok(FULL, NULL, 0);
    assert_false(sc->correlation_repaired);
    check_correlation_factor(sc);
    br_scenario_free(sc);

    /* Singular but PSD (perfect correlation): zero pivots give zero columns. */
    const char *perfect[] = {"correlation.revenue_growth=1"};
    sc = load_ok(MINIMAL, perfect, 1);
    assert_false(sc->correlation_repaired);
    check_correlation_factor(sc);
    assert_true(sc->cholesky[1][1] == 0);
    br_scenario_free(sc);
}

struct count_ctx {
    size_t n, with_num, with_text;
};

static void count_param(void *ctx, const char *key, const double *num, const char *text)
{
    struct count_ctx *c = ctx;
    assert_non_null(key);
    assert_true((num != NULL) != (text != NULL));
    c->n++;
    c->with_num += num != NULL;
    c->with_text += text != NULL;
}

static void test_print_lists_every_key(void **state)
{
    (void)state;
    br_scenario *sc = load_ok(FULL, NULL, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    br_scenario_print(sc, f);
    fclose(f);
    for (size_t i = 0; i < br_n_scenario_keys; ++i) {
        char want[96];
        snprintf(want, sizeof want, "\n%s.%s = ", br_scenario_keys[i].section,
                 br_scenario_keys[i].key);
        if (!strstr(buf, want) && strncmp(buf, want + 1, strlen(want + 1)) != 0)
            fail_msg("print lacks %s", want + 1);
    }
    assert_non_null(strstr(buf, "cash.initial = 12B  # USD\n"));
    assert_non_null(strstr(buf, "cash.minimum = -1.5M  # USD\n"));
    assert_non_null(strstr(buf, "costs.capex_schedule = 1:2.57B, 13:3.2B, 25:4B  #"));
    assert_non_null(strstr(buf, "market.initial = stressed  #"));
    assert_non_null(strstr(buf, "revenue.initial = 270M  #"));
    assert_null(strstr(buf, "correlation repaired"));
    free(buf);

    struct count_ctx c = {0, 0, 0};
    br_scenario_each_param(sc, count_param, &c);
    assert_int_equal(c.n, br_n_scenario_keys + 1); /* + correlation.repaired */
    br_scenario_free(sc);

    sc = load_ok(MINIMAL, NULL, 0);
    buf = NULL;
    f = open_memstream(&buf, &len);
    br_scenario_print(sc, f);
    fclose(f);
    assert_non_null(strstr(buf, "equity.max_rounds = unlimited  #"));
    assert_non_null(strstr(buf, "costs.capex_schedule = none  #"));
    assert_non_null(strstr(buf, "revenue.cap = 10T  #"));
    free(buf);
    br_scenario_free(sc);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/br_parse_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file_sets_every_key),
        cmocka_unit_test(test_schedule_is_parsed_in_order),
        cmocka_unit_test(test_defaults_follow_model_md),
        cmocka_unit_test(test_money_suffixes),
        cmocka_unit_test(test_bom_crlf_and_comments),
        cmocka_unit_test(test_set_overrides_file_values),
        cmocka_unit_test(test_with_is_a_deep_copy),
        cmocka_unit_test(test_repair_correlation_gives_nearest_psd_matrix),
        cmocka_unit_test(test_print_lists_every_key),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
