/* host/cli.c: being written */
