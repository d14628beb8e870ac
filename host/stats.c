/* host/stats.c: being written */
