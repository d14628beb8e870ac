br_add_test(test_cli_contract SOURCES test_cli_contract.c)
add_dependencies(test_cli_contract burnrate)

# bench verifies its result against the recorded reference hash (host/bench_known.inc).
add_test(NAME test_bench_verifies_reference_hash
         COMMAND burnrate bench --paths 1M --backend cpu)
set_tests_properties(test_bench_verifies_reference_hash PROPERTIES
  PASS_REGULAR_EXPRESSION "hash +[0-9a-f]+ \\(VERIFIED"
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
