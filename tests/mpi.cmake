# Distributed runs and checkpoint/restart (tests/mpi.sh): the result is the same bits for
# any rank and thread count and across a stop and resume. The checkpoint test needs no
# MPI; the others run when this build has MPI and mpirun is found.
find_program(BR_MPIRUN mpirun)
add_test(NAME test_checkpoint_resume_gives_same_result
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi.sh $<TARGET_FILE:burnrate>
                 ${PROJECT_SOURCE_DIR}/scenarios checkpoint)
# Under ASan + UBSan the dozen runs of this test take several times longer.
if(BURNRATE_SANITIZE)
  set(_br_ckpt_timeout 900)
else()
  set(_br_ckpt_timeout 120)
endif()
set_tests_properties(test_checkpoint_resume_gives_same_result PROPERTIES
  LABELS "checkpoint" TIMEOUT ${_br_ckpt_timeout})
if(BR_WITH_MPI AND BR_MPIRUN)
  add_test(NAME test_mpi_result_independent_of_ranks
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi.sh $<TARGET_FILE:burnrate>
                   ${PROJECT_SOURCE_DIR}/scenarios ranks)
  add_test(NAME test_mpi_checkpoint_resume_across_ranks
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/mpi.sh $<TARGET_FILE:burnrate>
                   ${PROJECT_SOURCE_DIR}/scenarios mpi-checkpoint)
  set_tests_properties(test_mpi_result_independent_of_ranks
                       test_mpi_checkpoint_resume_across_ranks PROPERTIES
    LABELS "mpi" TIMEOUT 120 RUN_SERIAL TRUE)
endif()
