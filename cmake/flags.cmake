# Floating point: no contraction and no fast-math anywhere, so the explicit fmaf calls
# in kernels/ are the only fused operations and CPU and GPU round identically
# (docs/model.md s.5). x86-64-v3 gives fmaf as one instruction (vfmadd) instead of a
# libm call, and 8-lane AVX2 for the vectorised path loop. -fno-trapping-math and
# -fno-math-errno change no result (they only say FP exceptions and errno are not
# observed); without them gcc may not if-convert the model's float compares and selects,
# and the lane loop stays scalar.
function(br_model_flags target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:-ffp-contract=off -fno-fast-math -fno-math-errno -fno-trapping-math -Wall -Wextra>)
  if(BURNRATE_NATIVE)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:-march=native>)
  elseif(BURNRATE_X86_64_V3 AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:C>:-march=x86-64-v3>)
  endif()
  if(BURNRATE_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
      -fsanitize=float-divide-by-zero,float-cast-overflow -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
