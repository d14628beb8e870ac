/* kernels/cpu.c: being written */
