# What a risk team asks of a run (tests/analysis.sh): precision targets, the cash fan
# chart, stress tests.
# Under ASan + UBSan each run takes several times longer.
if(BURNRATE_SANITIZE)
  set(_br_analysis_timeout 1200)
else()
  set(_br_analysis_timeout 300)
endif()
foreach(_mode targets fan stress)
  add_test(NAME test_analysis_${_mode}
           COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/analysis.sh $<TARGET_FILE:burnrate>
                   ${PROJECT_SOURCE_DIR}/scenarios ${_mode})
  set_tests_properties(test_analysis_${_mode} PROPERTIES LABELS "analysis" TIMEOUT ${_br_analysis_timeout})
endforeach()
find_program(BR_MPIRUN mpirun)
if(BR_WITH_MPI AND BR_MPIRUN)
  set_tests_properties(test_analysis_targets PROPERTIES ENVIRONMENT "BR_TEST_MPI=1")
endif()
