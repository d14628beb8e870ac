/* report.h: a run's results for people (text) and for programs (JSON, CSV). */
#ifndef BR_REPORT_H
#define BR_REPORT_H

#include "atomic_file.h"
#include "result.h"

#include <cjson/cJSON.h>
#include <stdio.h>

/* The human summary, one block per scenario. */
void br_report_text(const br_result *r, FILE *f);
/* Stress tests side by side: per base scenario with stressed copies in the run, a
 * table of base and stressed figures and their change. Nothing when there are none. */
void br_report_stress_text(const br_result *r, FILE *f);
/* The JSON document (the contract in README "Output"); caller frees. */
cJSON *br_report_json(const br_result *r);
/* Add the JSON to an output set ("-": write to stdout now). */
br_status br_report_json_write(const br_result *r, const char *path, br_outset *set,
                               char *err, size_t errlen);
/* Add DIR/summary.csv and DIR/<scenario>_months.csv to an output set. */
br_status br_report_csv_write(const br_result *r, const char *dir, br_outset *set,
                              char *err, size_t errlen);
/* "$25.0B", "-$650M": money for people. */
void br_format_money(char *buf, size_t len, double usd);

#endif /* BR_REPORT_H */
