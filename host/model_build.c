/* host/model_build.c: being written */
