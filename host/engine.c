/* host/engine.c: being written */
