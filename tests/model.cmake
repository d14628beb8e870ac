# The model's tests: closed forms and known answers, financing mechanisms, and results
# independent of how paths are split (tests/model_tests_util.c is their shared helper).
add_library(br_model_tests_util STATIC model_tests_util.c)
target_link_libraries(br_model_tests_util PUBLIC burnrate_core PkgConfig::CMOCKA)
br_model_flags(br_model_tests_util)

br_add_test(test_model_closed_forms SOURCES test_model_closed_forms.c
            LIBS br_model_tests_util LABELS model)
br_add_test(test_financing_mechanisms SOURCES test_financing_mechanisms.c
            LIBS br_model_tests_util LABELS model)

# The split test runs each scenarios/*.ini as a test of its own (each about 15 s on two
# cores); the plain test runs two built-in scenarios, so it means something before the
# scenario files exist and on any checkout.
br_add_test(test_result_independent_of_split SOURCES test_result_independent_of_split.c
            LIBS br_model_tests_util LABELS model ARGS --builtin)
file(GLOB _br_split_scenarios CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/scenarios/*.ini)
foreach(f ${_br_split_scenarios})
  get_filename_component(_name ${f} NAME_WE)
  add_test(NAME test_result_independent_of_split.${_name}
           COMMAND test_result_independent_of_split ${f})
  set_tests_properties(test_result_independent_of_split.${_name} PROPERTIES
                       LABELS model SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endforeach()

# The cash fan chart tally (--fan) against a stored sample of paths.
br_add_test(test_fan_chart_matches_sample SOURCES test_fan_chart_matches_sample.c
            LIBS br_model_tests_util LABELS model analysis)
