/* host/scenario.c: being written */
