# What a risk team asks of a run (tests/analysis.sh): precision targets, the cash fan
# chart, stress tests.
foreach(_mode targets fan stress)
  add_test(NAME test_analysis_${_mode}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/analysis.sh $<TARGET_FILE:burnrate>
                   ${PROJECT_SOURCE_DIR}/scenarios ${_mode})
  set_tests_properties(test_analysis_${_mode} PROPERTIES LABELS "analysis" TIMEOUT 300)
endforeach()
find_program(BR_MPIRUN mpirun)
if(BR_WITH_MPI AND BR_MPIRUN)
  set_tests_properties(test_analysis_targets PROPERTIES ENVIRONMENT "BR_TEST_MPI=1")
endif()
