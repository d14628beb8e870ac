/* scenario.c: INI file (libinih) + `--set section.key=value` overrides -> a validated
 * struct br_scenario. Every key's type, range, default and unit come from the one table
 * in scenario_keys.c; errors read `FILE:LINE: section.key = 'VALUE': PROBLEM; allowed: RANGE`
 * (or `--set 'ASSIGNMENT': ...` for an override). */
#include "scenario.h"

#include "linalg.h"

#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* A scenario file is a few kilobytes; refuse to slurp something that is clearly not one. */
#define BR_FILE_MAX ((size_t)64 << 20)

#define KEY(i) (&br_scenario_keys[i])
#define FIELD(sc, k, type) ((type *)((char *)(sc) + (k)->offset))

static bool repair_correlation = false;

static size_t key_index(const struct br_scenario_key *k) { return (size_t)(k - br_scenario_keys); }

void br_scenario_set_repair_correlation(bool on) { repair_correlation = on; }

/* ---- key sources: "FILE:LINE", "--set 'a=b'" -------------------------------------- */

/* Per load / with: which --set text last gave each key, for messages. */
struct origin {
    const char *path;                           /* as the caller gave it */
    const char *set_text[BR_SCENARIO_MAX_KEYS]; /* NULL: not from a --set of this call */
};

static void describe_source(const br_scenario *sc, const struct origin *o, size_t i, char *buf,
                            size_t n)
{
    if (o && o->set_text[i])
        snprintf(buf, n, "--set '%s'", o->set_text[i]);
    else if (sc->key_source[i] > 0)
        snprintf(buf, n, "%s:%d", o ? o->path : sc->path, sc->key_source[i]);
    else if (sc->key_source[i] < 0)
        snprintf(buf, n, "--set");
    else
        snprintf(buf, n, "default");
}

/* ---- assigning one value ---------------------------------------------------------- */

static void free_schedule(br_scenario *sc)
{
    free(sc->capex_schedule_months);
    free(sc->capex_schedule_amounts);
    sc->capex_schedule_months = NULL;
    sc->capex_schedule_amounts = NULL;
    sc->n_capex_schedule = 0;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        ++s;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* "1:2.57B, 13:3.2B" -> months and amounts (horizon checked later, in finish()). */
static br_status parse_schedule(br_scenario *sc, const struct br_scenario_key *k, const char *value,
                                const char *where, char *err, size_t errlen)
{
    if (strcmp(value, "none") == 0) {
        free_schedule(sc);
        return BR_OK;
    }
    size_t cap = 1;
    for (const char *p = value; *p; ++p)
        cap += (*p == ',');
    char *copy = strdup(value);
    int *months = malloc(cap * sizeof *months);
    double *amounts = malloc(cap * sizeof *amounts);
    br_status st = BR_OK;
    if (!copy || !months || !amounts) {
        st = br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", where);
        goto done;
    }
    size_t n = 0;
    char problem[192];
    char *item = copy;
    for (char *next; item; item = next, ++n) {
        next = strchr(item, ',');
        if (next)
            *next++ = '\0';
        item = trim(item);
        char *colon = strchr(item, ':');
        int month = 0;
        double amount = 0;
        if (!colon) {
            snprintf(problem, sizeof problem,
                     "malformed entry '%.40s' (expected month:money, "
                     "e.g. 13:3.2B)",
                     item);
            st = br_key_bad_value(where, k, value, problem, err, errlen);
            goto done;
        }
        *colon = '\0';
        char *m = trim(item), *a = trim(colon + 1);
        int r = br_key_parse_int(m, false, &month);
        if (r != BR_PARSE_OK || month < 1 || month > BR_MAX_HORIZON) {
            snprintf(problem, sizeof problem, "month '%.40s' is not a whole number 1 .. %d", m,
                     BR_MAX_HORIZON);
            st = br_key_bad_value(where, k, value, problem, err, errlen);
            goto done;
        }
        r = br_key_parse_money(a, &amount);
        if (r == BR_PARSE_OK && !br_key_in_range(k, amount))
            r = BR_PARSE_RANGE;
        if (r != BR_PARSE_OK) {
            snprintf(problem, sizeof problem, "amount '%.40s' of month %d: %s", a, month,
                     r == BR_PARSE_MALFORMED ? "malformed money" : br_key_problem(r));
            st = br_key_bad_value(where, k, value, problem, err, errlen);
            goto done;
        }
        if (n == 0 && month != 1) {
            snprintf(problem, sizeof problem, "starts at month %d, not at month 1", month);
            st = br_key_bad_value(where, k, value, problem, err, errlen);
            goto done;
        }
        if (n > 0 && month <= months[n - 1]) {
            snprintf(problem, sizeof problem, "months not strictly ascending (%d after %d)", month,
                     months[n - 1]);
            st = br_key_bad_value(where, k, value, problem, err, errlen);
            goto done;
        }
        months[n] = month;
        amounts[n] = amount;
    }
    free_schedule(sc);
    sc->capex_schedule_months = months;
    sc->capex_schedule_amounts = amounts;
    sc->n_capex_schedule = n;
    months = NULL;
    amounts = NULL;
done:
    free(copy);
    free(months);
    free(amounts);
    return st;
}

/* Parse `value` as key k, check its range, store it. `where` prefixes messages. */
static br_status assign(br_scenario *sc, const struct origin *o, const struct br_scenario_key *k,
                        const char *value, const char *where, char *err, size_t errlen)
{
    /* costs.capex and costs.capex_schedule are two ways to give one plan (MODEL.md s.3). */
    const struct br_scenario_key *capex = br_key_find("costs", "capex");
    const struct br_scenario_key *sched = br_key_find("costs", "capex_schedule");
    const struct br_scenario_key *other = k == capex ? sched : (k == sched ? capex : NULL);
    if (other && sc->key_source[key_index(other)] != 0 &&
        (other != sched || sc->n_capex_schedule > 0) &&
        (k != sched || strcmp(value, "none") != 0)) {
        char src[BR_PATH_MAX + 64], problem[BR_PATH_MAX + 128];
        describe_source(sc, o, key_index(other), src, sizeof src);
        snprintf(problem, sizeof problem, "conflicts with %s.%s given at %s; give only one of them",
                 other->section, other->key, src);
        return br_fail(err, errlen, BR_E_INPUT, "%s: %s.%s = '%s': %s", where, k->section, k->key,
                       value, problem);
    }

    double v = 0;
    int iv = 0, r = BR_PARSE_OK;
    char problem[128];
    switch (k->type) {
    case BR_KEY_MONEY:
        r = br_key_parse_money(value, &v);
        if (r == BR_PARSE_MALFORMED)
            return br_key_bad_value(
                where, k, value,
                "malformed money (a number with an optional K, M, B or T suffix, "
                "e.g. 2.57B)",
                err, errlen);
        if (r == BR_PARSE_OK && !br_key_in_range(k, v))
            r = BR_PARSE_RANGE;
        if (r != BR_PARSE_OK)
            return br_key_bad_value(where, k, value, br_key_problem(r), err, errlen);
        *FIELD(sc, k, double) = v;
        return BR_OK;
    case BR_KEY_REAL:
        r = br_key_parse_real(value, &v);
        if (r == BR_PARSE_OK && !br_key_in_range(k, v))
            r = BR_PARSE_RANGE;
        if (r != BR_PARSE_OK)
            return br_key_bad_value(where, k, value, br_key_problem(r), err, errlen);
        *FIELD(sc, k, double) = v;
        return BR_OK;
    case BR_KEY_INT:
        r = br_key_parse_int(value, (k->flags & BR_KEY_UNLIMITED) != 0, &iv);
        if (r == BR_PARSE_OK && !(iv == -1 && (k->flags & BR_KEY_UNLIMITED) && value[0] == 'u') &&
            !br_key_in_range(k, iv))
            r = BR_PARSE_RANGE;
        if (r != BR_PARSE_OK)
            return br_key_bad_value(where, k, value, br_key_problem(r), err, errlen);
        *FIELD(sc, k, int) = iv;
        return BR_OK;
    case BR_KEY_TEXT: {
        size_t len = strlen(value);
        size_t min = (k->flags & BR_RANGE_LO) ? (size_t)k->lo : 0;
        if (len + 1 > k->size || len < min) {
            snprintf(problem, sizeof problem, "%s (%zu bytes)", len ? "too long" : "empty", len);
            return br_key_bad_value(where, k, value, problem, err, errlen);
        }
        memcpy(FIELD(sc, k, char), value, len + 1);
        return BR_OK;
    }
    case BR_KEY_ENUM:
        for (int i = 0; k->choices[i]; ++i)
            if (strcmp(value, k->choices[i]) == 0) {
                *FIELD(sc, k, int) = i;
                return BR_OK;
            }
        return br_key_bad_value(where, k, value, "not one of the choices", err, errlen);
    case BR_KEY_SCHEDULE: return parse_schedule(sc, k, value, where, err, errlen);
    }
    return br_fail(err, errlen, BR_E_RUNTIME, "%s: internal error: key type", where);
}

/* ---- defaults and the rules that span keys ----------------------------------------- */

static void set_defaults(br_scenario *sc)
{
    for (size_t i = 0; i < br_n_scenario_keys; ++i) {
        const struct br_scenario_key *k = KEY(i);
        switch (k->type) {
        case BR_KEY_MONEY:
        case BR_KEY_REAL: *FIELD(sc, k, double) = k->def; break;
        case BR_KEY_INT:
        case BR_KEY_ENUM: *FIELD(sc, k, int) = (int)k->def; break;
        case BR_KEY_TEXT: FIELD(sc, k, char)[0] = '\0'; break;
        case BR_KEY_SCHEDULE: break;
        }
    }
}

static void default_name(br_scenario *sc)
{
    const char *base = strrchr(sc->path, '/');
    base = base ? base + 1 : sc->path;
    size_t n = strlen(base);
    const char *dot = strrchr(base, '.');
    if (dot && dot != base)
        n = (size_t)(dot - base);
    if (n == 0) {
        base = "scenario";
        n = strlen(base);
    }
    if (n >= sizeof sc->name)
        n = sizeof sc->name - 1;
    memcpy(sc->name, base, n);
    sc->name[n] = '\0';
}

static br_status check_correlation(br_scenario *sc, const char *path, char *err, size_t errlen)
{
    static const int pair[BR_N_CORR][2] = {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}};
    double a[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
    for (int c = 0; c < BR_N_CORR; ++c)
        a[pair[c][0]][pair[c][1]] = a[pair[c][1]][pair[c][0]] = sc->correlation[c];
    double w[4], v[4][4];
    br_la_eig_sym(a, w, v);
    if (w[0] < -1e-12) {
        if (!repair_correlation)
            return br_fail(err, errlen, BR_E_INPUT,
                           "%s: correlation matrix is not positive semi-definite (smallest "
                           "eigenvalue %.6g); adjust [correlation] or pass --repair-correlation",
                           path, w[0]);
        double x[4][4];
        br_la_nearest_correlation(a, x);
        memcpy(a, x, sizeof a);
        for (int c = 0; c < BR_N_CORR; ++c)
            sc->correlation[c] = a[pair[c][0]][pair[c][1]];
        sc->correlation_repaired = true;
    }
    br_la_cholesky_psd(a, sc->cholesky);
    return BR_OK;
}

/* Everything that needs all keys: required keys, defaults that follow other keys, the
 * schedule against the horizon, debt drawn against the facility, the correlation matrix. */
static br_status finish(br_scenario *sc, const struct origin *o, char *err, size_t errlen)
{
    const char *path = o ? o->path : sc->path;
    for (size_t i = 0; i < br_n_scenario_keys; ++i)
        if ((KEY(i)->flags & BR_KEY_REQUIRED) && sc->key_source[i] == 0)
            return br_fail(err, errlen, BR_E_INPUT, "%s: %s.%s is required (%s)", path,
                           KEY(i)->section, KEY(i)->key, KEY(i)->help);

    const struct br_scenario_key *k = br_key_find("revenue", "growth_longrun");
    if (sc->key_source[key_index(k)] == 0)
        sc->revenue_growth_longrun = sc->revenue_growth;
    if (sc->key_source[key_index(br_key_find("scenario", "name"))] == 0)
        default_name(sc);

    char src[BR_PATH_MAX + 64], src2[BR_PATH_MAX + 64];
    if (sc->n_capex_schedule > 0 &&
        sc->capex_schedule_months[sc->n_capex_schedule - 1] > sc->horizon_months) {
        const struct br_scenario_key *h = br_key_find("scenario", "horizon_months");
        describe_source(sc, o, key_index(br_key_find("costs", "capex_schedule")), src, sizeof src);
        describe_source(sc, o, key_index(h), src2, sizeof src2);
        return br_fail(err, errlen, BR_E_INPUT,
                       "%s: costs.capex_schedule: month %d is beyond scenario.horizon_months = %d "
                       "(%s); allowed: months 1 .. %d",
                       src, sc->capex_schedule_months[sc->n_capex_schedule - 1], sc->horizon_months,
                       src2, sc->horizon_months);
    }

    if (sc->debt_initial_drawn > sc->debt_facility) {
        char a[48], b[48];
        br_key_fmt_money(sc->debt_initial_drawn, a, sizeof a);
        br_key_fmt_money(sc->debt_facility, b, sizeof b);
        describe_source(sc, o, key_index(br_key_find("debt", "initial_drawn")), src, sizeof src);
        describe_source(sc, o, key_index(br_key_find("debt", "facility")), src2, sizeof src2);
        return br_fail(err, errlen, BR_E_INPUT,
                       "%s: debt.initial_drawn = %s: above debt.facility = %s (%s); "
                       "allowed: 0 .. debt.facility",
                       src, a, b, src2);
    }
    return check_correlation(sc, path, err, errlen);
}

/* ---- --set ------------------------------------------------------------------------- */

static br_status apply_set(br_scenario *sc, struct origin *o, const char *assignment, char *err,
                           size_t errlen)
{
    if (!assignment)
        return br_fail(err, errlen, BR_E_INPUT, "--set: missing assignment");
    size_t wn = strlen(assignment) + 16;
    char *where = malloc(wn), *copy = strdup(assignment);
    br_status st = BR_OK;
    if (!where || !copy) {
        st = br_fail(err, errlen, BR_E_NOMEM, "--set: out of memory");
        goto done;
    }
    snprintf(where, wn, "--set '%s'", assignment);
    char *eq = strchr(copy, '=');
    if (!eq) {
        st = br_fail(err, errlen, BR_E_INPUT, "%s: expected section.key=value", where);
        goto done;
    }
    *eq = '\0';
    char *name = trim(copy), *value = trim(eq + 1);
    char *dot = strchr(name, '.');
    if (!dot) {
        st = br_fail(err, errlen, BR_E_INPUT,
                     "%s: expected section.key=value (the key needs its section, e.g. "
                     "revenue.vol=0.3)",
                     where);
        goto done;
    }
    *dot = '\0';
    const struct br_scenario_key *k = br_key_find(name, dot + 1);
    if (!k) {
        st = br_key_unknown(where, name, dot + 1, err, errlen);
        goto done;
    }
    st = assign(sc, o, k, value, where, err, errlen);
    if (st == BR_OK) {
        sc->key_source[key_index(k)] = -1;
        o->set_text[key_index(k)] = assignment;
    }
done:
    free(where);
    free(copy);
    return st;
}

/* ---- reading the file through libinih ------------------------------------------------ */

struct loader {
    br_scenario *sc;
    struct origin *o;
    const char *buf; /* the whole file */
    size_t len, pos;
    int line;    /* physical line last handed to inih */
    char *where; /* "PATH:LINE" of that line */
    size_t where_size;
    br_status st; /* first error; parsing stops there */
    char *err;
    size_t errlen;
};

static void set_where(struct loader *L)
{
    snprintf(L->where, L->where_size, "%s:%d", L->o->path, L->line);
}

/* inih's scan for a delimiter: stops at one of `chars` or at an inline ';' comment. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
    bool was_space = false;
    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        ++s;
    }
    return s;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    size_t len;
    unsigned min;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        len = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        len = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        len = 4, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    unsigned cp = c & (0x7f >> len);
    for (size_t i = 1; i < len; ++i) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static bool check_text(struct loader *L, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f) {
            L->st = br_fail(L->err, L->errlen, BR_E_INPUT,
                            "%s: not a text file (control byte 0x%02x at column %zu)", L->where,
                            u[i], i + 1);
            return false;
        }
        size_t step = utf8_len(u + i, n - i);
        if (!step) {
            L->st =
                br_fail(L->err, L->errlen, BR_E_INPUT,
                        "%s: not UTF-8 text (byte 0x%02x at column %zu)", L->where, u[i], i + 1);
            return false;
        }
        i += step;
    }
    return true;
}

/* What inih will make of the line; errors here get a message inih cannot give. */
static bool check_syntax(struct loader *L, char *s)
{
    if (!*s || *s == ';' || *s == '#')
        return true;
    if (*s == '[') {
        const char *end = find_chars_or_comment(s + 1, "]");
        if (*end != ']') {
            L->st =
                br_fail(L->err, L->errlen, BR_E_INPUT,
                        "%s: malformed section header '%.60s' (expected [section])", L->where, s);
            return false;
        }
        char section[64];
        size_t n = (size_t)(end - (s + 1));
        if (n < sizeof section) {
            memcpy(section, s + 1, n);
            section[n] = '\0';
            if (br_key_section_known(section))
                return true;
            if (strncmp(section, "stress.", 7) == 0) { /* a stress test: [stress.NAME] */
                const char *nm = section + 7;
                const size_t len = strlen(nm);
                if (len > 0 && len < BR_STRESS_NAME_MAX &&
                    strspn(nm, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                               "_-") == len)
                    return true;
                L->st = br_fail(L->err, L->errlen, BR_E_INPUT,
                                "%s: stress section [%s]: the name after 'stress.' must be 1..%d "
                                "letters, digits, '-' or '_'", L->where, section,
                                BR_STRESS_NAME_MAX - 1);
                return false;
            }
        } else {
            memcpy(section, s + 1, sizeof section - 4);
            strcpy(section + sizeof section - 4, "...");
        }
        const char *sug = n < sizeof section ? br_key_suggest_section(section) : NULL;
        if (sug) {
            L->st = br_fail(L->err, L->errlen, BR_E_INPUT,
                            "%s: unknown section [%s]; did you mean [%s]?", L->where, section, sug);
        } else {
            char all[256];
            br_key_list_sections(all, sizeof all);
            L->st = br_fail(L->err, L->errlen, BR_E_INPUT, "%s: unknown section [%s]; sections: %s",
                            L->where, section, all);
        }
        return false;
    }
    const char *end = find_chars_or_comment(s, "=:");
    if (*end != '=' && *end != ':') {
        L->st = br_fail(L->err, L->errlen, BR_E_INPUT,
                        "%s: expected 'key = value', '[section]' or a comment, not '%.60s%s'",
                        L->where, s, strlen(s) > 60 ? "..." : "");
        return false;
    }
    return true;
}

/* fgets for inih over the file in memory, one physical line per call, so our line count
 * is inih's. It strips the BOM, CR and leading blanks (so inih's multi-line
 * continuation never applies) and refuses, rather than splits, a line inih cannot hold. */
static char *read_line(char *str, int num, void *stream)
{
    struct loader *L = stream;
    if (L->st != BR_OK || L->pos >= L->len || num < 4)
        return NULL;
    const char *p = L->buf + L->pos;
    size_t left = L->len - L->pos;
    const char *nl = memchr(p, '\n', left);
    size_t n = nl ? (size_t)(nl - p) : left;
    L->pos += n + (nl != NULL);
    L->line++;
    set_where(L);
    if (n && p[n - 1] == '\r')
        --n;
    if (L->line == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3, n -= 3;
    if (!check_text(L, p, n))
        return NULL;
    const size_t max = (size_t)num - 3; /* inih: room for '\r', '\n' and '\0' */
    if (n > max) {
        L->st = br_fail(L->err, L->errlen, BR_E_INPUT,
                        "%s: line too long (%zu bytes); the INI parser (libinih) reads at most %zu "
                        "bytes a line",
                        L->where, n, max);
        return NULL;
    }
    while (n && (*p == ' ' || *p == '\t'))
        ++p, --n;
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        --n;
    memcpy(str, p, n);
    str[n] = '\0';
    if (!check_syntax(L, str))
        return NULL;
    return str;
}

/* `section.key = SHIFT` inside [stress.NAME]: checked now, applied by host/stress.c. */
static int on_stress_key(struct loader *L, const char *stress, const char *name,
                         const char *value)
{
    br_scenario *sc = L->sc;
    char sec[64];
    const char *dot = strchr(name, '.');
    const size_t sl = dot ? (size_t)(dot - name) : 0;
    const struct br_scenario_key *k = NULL;
    if (dot && sl < sizeof sec) {
        memcpy(sec, name, sl);
        sec[sl] = '\0';
        k = br_key_find(sec, dot + 1);
    }
    if (!k) {
        L->st = dot && sl < sizeof sec
                    ? br_key_unknown(L->where, sec, dot + 1, L->err, L->errlen)
                    : br_fail(L->err, L->errlen, BR_E_INPUT, "%s: [stress.%s] %s = '%s': keys "
                              "here are section.key (e.g. costs.capex = +30%%)", L->where,
                              stress, name, value);
        return 0;
    }
    if (strlen(value) >= sizeof sc->stress[0].shifts[0].shift) {
        L->st = br_fail(L->err, L->errlen, BR_E_INPUT, "%s: [stress.%s] %s = '%.40s...': too "
                        "long", L->where, stress, name, value);
        return 0;
    }
    L->st = br_stress_check_shift(k, value, L->where, L->err, L->errlen);
    if (L->st != BR_OK)
        return 0;
    br_stress_def *d = NULL;
    for (size_t i = 0; i < sc->n_stress; ++i)
        if (strcmp(sc->stress[i].name, stress) == 0)
            d = &sc->stress[i];
    if (!d) {
        br_stress_def *nd = realloc(sc->stress, (sc->n_stress + 1) * sizeof *nd);
        if (!nd) {
            L->st = br_fail(L->err, L->errlen, BR_E_NOMEM, "%s: out of memory", L->where);
            return 0;
        }
        sc->stress = nd;
        d = &sc->stress[sc->n_stress++];
        memset(d, 0, sizeof *d);
        snprintf(d->name, sizeof d->name, "%s", stress);
    }
    for (size_t i = 0; i < d->n; ++i)
        if (strcmp(d->shifts[i].key, name) == 0) {
            L->st = br_fail(L->err, L->errlen, BR_E_INPUT, "%s: [stress.%s] %s: duplicate key; "
                            "first given at line %d", L->where, stress, name, d->shifts[i].line);
            return 0;
        }
    br_stress_shift *ns = realloc(d->shifts, (d->n + 1) * sizeof *ns);
    if (!ns) {
        L->st = br_fail(L->err, L->errlen, BR_E_NOMEM, "%s: out of memory", L->where);
        return 0;
    }
    d->shifts = ns;
    br_stress_shift *x = &d->shifts[d->n++];
    snprintf(x->key, sizeof x->key, "%s", name);
    snprintf(x->shift, sizeof x->shift, "%s", value);
    x->line = L->line;
    return 1;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    struct loader *L = user;
    if (L->st != BR_OK)
        return 0;
    if (!*section) {
        const struct br_scenario_key *s = br_key_suggest("scenario", name);
        for (size_t i = 0; i < br_n_scenario_keys; ++i)
            if (strcmp(KEY(i)->key, name) == 0)
                s = KEY(i);
        if (s)
            L->st = br_fail(L->err, L->errlen, BR_E_INPUT,
                            "%s: %s = '%s': outside any [section]; did you mean %s under [%s]?",
                            L->where, name, value, s->key, s->section);
        else
            L->st = br_fail(L->err, L->errlen, BR_E_INPUT, "%s: %s = '%s': outside any [section]",
                            L->where, name, value);
        return 0;
    }
    if (strncmp(section, "stress.", 7) == 0)
        return on_stress_key(L, section + 7, name, value);
    const struct br_scenario_key *k = br_key_find(section, name);
    if (!k) {
        L->st = br_key_unknown(L->where, section, name, L->err, L->errlen);
        return 0;
    }
    size_t i = key_index(k);
    if (L->sc->key_source[i] > 0) {
        L->st = br_fail(L->err, L->errlen, BR_E_INPUT,
                        "%s: %s.%s = '%s': duplicate key; first given at line %d", L->where,
                        k->section, k->key, value, L->sc->key_source[i]);
        return 0;
    }
    L->st = assign(L->sc, L->o, k, value, L->where, L->err, L->errlen);
    if (L->st != BR_OK)
        return 0;
    L->sc->key_source[i] = L->line;
    return 1;
}

static br_status read_file(const char *path, char **out, size_t *out_len, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return br_fail(err, errlen, BR_E_INPUT, "%s: cannot open: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return br_fail(err, errlen, BR_E_INPUT, "%s: is a directory, not a scenario file", path);
    FILE *f = fopen(path, "rb");
    if (!f)
        return br_fail(err, errlen, BR_E_INPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 8192, len = 0;
    char *buf = malloc(cap);
    br_status s = BR_OK;
    while (buf) {
        if (len == cap) {
            if (cap >= BR_FILE_MAX) {
                s = br_fail(err, errlen, BR_E_INPUT, "%s: larger than %zu MiB; not a scenario file",
                            path, BR_FILE_MAX >> 20);
                break;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                s = br_fail(err, errlen, BR_E_IO, "%s: read error: %s", path, strerror(errno));
            break;
        }
    }
    fclose(f);
    if (!buf)
        return br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", path);
    if (s != BR_OK) {
        free(buf);
        return s;
    }
    *out = buf;
    *out_len = len;
    return BR_OK;
}

/* ---- public ------------------------------------------------------------------------- */

br_status br_scenario_load(const char *path, const char *const *sets, size_t n_sets,
                           br_scenario **out, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return br_fail(err, errlen, BR_E_INPUT, "br_scenario_load: no output pointer");
    *out = NULL;
    if (!path)
        return br_fail(err, errlen, BR_E_INPUT, "no scenario file given");
    if (n_sets && !sets)
        return br_fail(err, errlen, BR_E_INPUT, "--set: missing assignments");

    br_scenario *sc = calloc(1, sizeof *sc);
    struct origin *o = calloc(1, sizeof *o);
    char *where = malloc(strlen(path) + 32);
    char *buf = NULL;
    size_t len = 0;
    br_status st = BR_OK;
    if (!sc || !o || !where) {
        st = br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", path);
        goto done;
    }
    o->path = path;
    snprintf(sc->path, sizeof sc->path, "%s", path);
    set_defaults(sc);

    st = read_file(path, &buf, &len, err, errlen);
    if (st != BR_OK)
        goto done;
    struct loader L = {.sc = sc,
                       .o = o,
                       .buf = buf,
                       .len = len,
                       .where = where,
                       .where_size = strlen(path) + 32,
                       .st = BR_OK,
                       .err = err,
                       .errlen = errlen};
    int rc = ini_parse_stream(read_line, &L, on_key, &L);
    st = L.st;
    if (st == BR_OK && rc == -2)
        st = br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", path);
    else if (st == BR_OK && rc != 0) /* check_syntax should have caught it first */
        st = br_fail(err, errlen, BR_E_INPUT, "%s:%d: syntax error", path, rc);
    for (size_t i = 0; st == BR_OK && i < n_sets; ++i)
        st = apply_set(sc, o, sets[i], err, errlen);
    if (st == BR_OK)
        st = finish(sc, o, err, errlen);
done:
    free(buf);
    free(where);
    free(o);
    if (st != BR_OK) {
        br_scenario_free(sc);
        return st;
    }
    *out = sc;
    return BR_OK;
}

br_status br_scenario_with(const br_scenario *sc, const char *assignment, br_scenario **out,
                           char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return br_fail(err, errlen, BR_E_INPUT, "br_scenario_with: no output pointer");
    *out = NULL;
    if (!sc)
        return br_fail(err, errlen, BR_E_INPUT, "br_scenario_with: no scenario");
    br_scenario *c = malloc(sizeof *c);
    struct origin *o = calloc(1, sizeof *o);
    br_status st = BR_OK;
    if (!c || !o) {
        free(c);
        free(o);
        return br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", sc->path);
    }
    memcpy(c, sc, sizeof *c);
    c->capex_schedule_months = NULL;
    c->capex_schedule_amounts = NULL;
    c->n_capex_schedule = 0;
    c->stress = NULL;
    c->n_stress = 0;
    if (sc->n_stress > 0) {
        if (!(c->stress = calloc(sc->n_stress, sizeof *c->stress))) {
            st = br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", sc->path);
            goto done;
        }
        for (size_t i = 0; i < sc->n_stress; ++i, ++c->n_stress) {
            c->stress[i] = sc->stress[i];
            c->stress[i].shifts = malloc(sc->stress[i].n * sizeof *c->stress[i].shifts + 1);
            if (!c->stress[i].shifts) {
                st = br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", sc->path);
                goto done;
            }
            memcpy(c->stress[i].shifts, sc->stress[i].shifts,
                   sc->stress[i].n * sizeof *c->stress[i].shifts);
        }
    }
    o->path = c->path;
    if (sc->n_capex_schedule > 0) {
        c->capex_schedule_months = malloc(sc->n_capex_schedule * sizeof(int));
        c->capex_schedule_amounts = malloc(sc->n_capex_schedule * sizeof(double));
        if (!c->capex_schedule_months || !c->capex_schedule_amounts) {
            st = br_fail(err, errlen, BR_E_NOMEM, "%s: out of memory", sc->path);
            goto done;
        }
        memcpy(c->capex_schedule_months, sc->capex_schedule_months,
               sc->n_capex_schedule * sizeof(int));
        memcpy(c->capex_schedule_amounts, sc->capex_schedule_amounts,
               sc->n_capex_schedule * sizeof(double));
        c->n_capex_schedule = sc->n_capex_schedule;
    }
    st = apply_set(c, o, assignment, err, errlen);
    if (st == BR_OK)
        st = finish(c, o, err, errlen);
done:
    free(o);
    if (st != BR_OK) {
        br_scenario_free(c);
        return st;
    }
    *out = c;
    return BR_OK;
}

void br_scenario_free(br_scenario *sc)
{
    if (!sc)
        return;
    free_schedule(sc);
    for (size_t i = 0; i < sc->n_stress; ++i)
        free(sc->stress[i].shifts);
    free(sc->stress);
    free(sc);
}

const char *br_scenario_name(const br_scenario *sc) { return sc ? sc->name : ""; }

int br_scenario_horizon(const br_scenario *sc) { return sc ? sc->horizon_months : 0; }
