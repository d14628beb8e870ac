# `burnrate sensitivity` (host/sensitivity.c, host/sensitivity_stats.c): its statistics on
# hand-made unit rows; the swing on a Gaussian cash walk against the integrated
# first-passage answer, and common random numbers against independent runs; the command
# line (the JSON shape the charting script reads, exit codes, clamping, determinism); and
# --report's charts (skipped without matplotlib). One executable, one ctest per group.
br_add_test(test_sensitivity_statistics
            SOURCES test_sensitivity.c ${PROJECT_SOURCE_DIR}/host/sensitivity_stats.c
            LIBS br_model_tests_util LABELS sensitivity ARGS stats)
add_dependencies(test_sensitivity_statistics burnrate)
foreach(_br_group closed-form cli report)
  set(_br_name test_sensitivity_${_br_group})
  string(REPLACE "-" "_" _br_name ${_br_name})
  add_test(NAME ${_br_name} COMMAND test_sensitivity_statistics ${_br_group})
  set_tests_properties(${_br_name} PROPERTIES LABELS sensitivity TIMEOUT 120
                       SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endforeach()
