/* host/atomic_file.c: being written */
