# A real batch submission (tests/slurm/run.sh): a one-node Slurm on 127.0.0.1 runs
# slurm/burnrate-cpu.sbatch to the end, through SIGUSR1 + requeue + resume, and through
# a real 1-minute time limit; each result equals a plain run's; a job with bad input
# fails without a requeue. Needs root, slurm-wlm and
# munge (scripts/install-deps.sh), else skipped (exit 77). About 2 minutes: it starts
# daemons and waits for Slurm's 30-second time-limit checks. With MPI the jobs run 2
# ranks (srun --mpi=pmix), without MPI one task.
if(BR_WITH_MPI)
  set(_br_slurm_ranks 2)
else()
  set(_br_slurm_ranks 1)
endif()
add_test(NAME test_slurm_batch_job_gives_plain_result_through_requeue
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/slurm/run.sh $<TARGET_FILE:burnrate>
                 ${_br_slurm_ranks})
# Under ASan + UBSan the runs are sized by the measured speed, but Slurm's waits remain.
set_tests_properties(test_slurm_batch_job_gives_plain_result_through_requeue PROPERTIES
  LABELS "slurm" TIMEOUT 900 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
