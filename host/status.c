/* host/status.c: being written */
