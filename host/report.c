/* host/report.c: being written */
