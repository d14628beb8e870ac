# Scenario loading: valid files parse to their values; every malformed input in tests/bad
# is refused with its exact message (tests/bad/expected.txt).
br_add_test(test_scenario_parse SOURCES test_scenario_parse.c)
br_add_test(test_scenario_rejects_bad_input SOURCES test_scenario_rejects_bad_input.c)

# The CLI maps a bad scenario to exit code 2 and `burnrate: <message>` on stderr.
add_test(NAME test_cli_validate_rejects_bad_scenario
  COMMAND sh -c [[
    err=$("$1" validate tests/bad/real_above_range.ini 2>&1 >/dev/null); rc=$?
    want="burnrate: tests/bad/real_above_range.ini:4: revenue.vol = '3': out of range; allowed: 0 .. 2"
    [ "$rc" -eq 2 ] || { echo "exit code $rc, want 2"; exit 1; }
    printf '%s\n' "$err" | grep -qxF "$want" || { echo "stderr: $err"; echo "want:   $want"; exit 1; }
  ]] sh $<TARGET_FILE:burnrate>
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
