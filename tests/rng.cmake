# Random numbers: Philox4x32-10 and the uniform/normal/exp/log transforms (MODEL.md s.5).
# Included by tests/CMakeLists.txt, which defines br_add_test().

br_add_test(test_philox_known_answers
  SOURCES test_philox_known_answers.c
  LABELS rng)

# cuRAND's host generator runs without a GPU; without libcurand the test still builds
# and every case skips with "libcurand not found: skipping".
find_package(CUDAToolkit QUIET)
br_add_test(test_philox_matches_curand_host_generator
  SOURCES test_philox_matches_curand_host_generator.c
  LABELS rng)
if(TARGET CUDA::curand)
  target_link_libraries(test_philox_matches_curand_host_generator PRIVATE CUDA::curand)
  target_compile_definitions(test_philox_matches_curand_host_generator PRIVATE BR_HAVE_CURAND=1)
else()
  target_compile_definitions(test_philox_matches_curand_host_generator PRIVATE BR_HAVE_CURAND=0)
endif()

br_add_test(test_transforms_accuracy
  SOURCES test_transforms_accuracy.c
  LIBS m
  LABELS rng)
