# Robustness (scripts/ci-robustness.sh also runs these under ASan + UBSan and fuzzes the
# parser): numbers at the edges of every range stay finite; failed runs leave existing
# outputs intact; --paths past 2^53 is refused and memory does not grow with paths;
# malformed inputs beyond tests/bad give their message; inputs that once went wrong
# (tests/regress) now load and run clean.
br_add_test(test_numerical_guards SOURCES test_numerical_guards.c model_tests_util.c LABELS robustness)
br_add_test(test_bad_extra_inputs_give_their_message
            SOURCES test_bad_extra_inputs_give_their_message.c LABELS robustness)
br_add_test(test_regress_inputs_load_and_run_clean
            SOURCES test_regress_inputs_load_and_run_clean.c LABELS robustness)
br_add_test(test_outputs_survive_failures SOURCES test_outputs_survive_failures.c
            LABELS robustness)
add_dependencies(test_outputs_survive_failures burnrate)
# Two ctest entries from one executable (a cmocka filter each), so the memory test's
# skip under ASan does not turn a failure of the --paths test into "skipped".
br_add_test(test_resource_limits SOURCES test_resource_limits.c LABELS robustness
            ARGS test_paths_beyond_2_53_refused)
add_dependencies(test_resource_limits burnrate)
add_test(NAME test_resource_limits.memory COMMAND test_resource_limits
         test_memory_independent_of_paths)
set_tests_properties(test_resource_limits.memory PROPERTIES LABELS robustness
                     SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
