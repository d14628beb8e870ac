# Backends agree bit for bit (tests/test_gpu_matches_cpu.c, one body, two twins). The CPU
# twin always runs; the GPU tests exist when the CUDA backend is built, carry the label
# `gpu`, and report as skipped (cmocka skip()) on a machine without a device.
br_add_test(test_cpu_vector_equals_scalar_path SOURCES test_gpu_matches_cpu.c)
target_compile_definitions(test_cpu_vector_equals_scalar_path PRIVATE BR_TWIN_GPU=0)

if(BR_WITH_CUDA)
  br_add_test(test_gpu_matches_cpu SOURCES test_gpu_matches_cpu.c gpu_curand_words.cu
              gpu_transforms.cu LABELS gpu ARGS outcomes)
  target_compile_definitions(test_gpu_matches_cpu PRIVATE BR_TWIN_GPU=1)
  br_cuda_flags(test_gpu_matches_cpu)
  set_tests_properties(test_gpu_matches_cpu PROPERTIES TIMEOUT 900)
  add_test(NAME test_gpu_philox_matches_curand COMMAND test_gpu_matches_cpu philox)
  set_tests_properties(test_gpu_philox_matches_curand PROPERTIES LABELS gpu
    SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endif()

# The CUDA engine's block-tally arithmetic (kernels/block_tally.h), run on the CPU with the
# warp intrinsics emulated: a block's tally equals the plain one bit for bit. Always runs.
br_add_test(test_block_tally SOURCES test_block_tally.c block_tally_ref.c LABELS model)
