# Charts and the HTML report (scripts/burnrate_plot.py, tests/test_plot.sh): real runs,
# sweeps and a sensitivity analysis plot to well-formed PNG/SVG files, deterministically;
# bad input exits 2; the report renders in headless Chromium with its charts visible.
# Skipped (77) when /usr/bin/python3 (or $BURNRATE_PYTHON) lacks matplotlib or Chromium
# is missing.
add_test(NAME test_plot_charts_and_report
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_plot.sh $<TARGET_FILE:burnrate>
         WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
set_tests_properties(test_plot_charts_and_report PROPERTIES
  LABELS "plot" TIMEOUT 180 SKIP_RETURN_CODE 77)
