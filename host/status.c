/* status.c: status names and the exit codes they map to. */
#include "burnrate.h"

const char *br_status_str(br_status s)
{
    switch (s) {
    case BR_OK: return "ok";
    case BR_E_INPUT: return "bad input";
    case BR_E_USAGE: return "usage error";
    case BR_E_IO: return "input/output error";
    case BR_E_NOMEM: return "out of memory";
    case BR_E_BACKEND: return "backend error";
    case BR_E_RUNTIME: return "runtime error";
    }
    return "unknown status";
}

int br_status_exit_code(br_status s)
{
    switch (s) {
    case BR_OK: return 0;
    case BR_E_INPUT:
    case BR_E_USAGE: return 2;
    default: return 1;
    }
}
