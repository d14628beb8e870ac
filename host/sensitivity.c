/* sensitivity.c: `burnrate sensitivity` (placeholder until the command lands). */
#include "cli.h"

#include <stdio.h>

int br_cmd_sensitivity(const br_cli *cli)
{
    (void)cli;
    fprintf(stderr, "burnrate: sensitivity: not built yet\n");
    return 1;
}
