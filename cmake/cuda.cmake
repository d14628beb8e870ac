# The optional CUDA backend (kernels/cuda.cu, host/backend_cuda.c).
#   BURNRATE_ENABLE_CUDA=AUTO (default): built whenever a CUDA compiler is found;
#   ON: required, configuration fails without one; OFF: never.
# BR_WITH_CUDA (0 or 1) is what the code tests with `#if`; br_cuda_backend(target) adds
# the sources and defines it on the target, always.
set(BURNRATE_ENABLE_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO, ON or OFF")
set_property(CACHE BURNRATE_ENABLE_CUDA PROPERTY STRINGS AUTO ON OFF)

string(TOUPPER "${BURNRATE_ENABLE_CUDA}" _br_cuda_mode)
if(_br_cuda_mode MATCHES "^(ON|YES|TRUE|Y|1)$")
  set(_br_cuda_mode ON)
elseif(_br_cuda_mode MATCHES "^(OFF|NO|FALSE|N|0)$")
  set(_br_cuda_mode OFF)
elseif(NOT _br_cuda_mode STREQUAL "AUTO")
  message(FATAL_ERROR "BURNRATE_ENABLE_CUDA='${BURNRATE_ENABLE_CUDA}': allowed AUTO, ON, OFF")
endif()

set(BR_WITH_CUDA 0)
if(NOT _br_cuda_mode STREQUAL "OFF")
  include(CheckLanguage)
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    # Ampere and Hopper as machine code, Hopper PTX for later GPUs to JIT. Never
    # `native`: it fails on a build machine without a GPU (CI).
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES AND NOT DEFINED ENV{CUDAARCHS})
      set(CMAKE_CUDA_ARCHITECTURES "80-real;90-real;90-virtual" CACHE STRING
          "CUDA architectures to build the kernels for")
    endif()
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(BR_WITH_CUDA 1)
    message(STATUS "burnrate: CUDA backend ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, "
                   "architectures ${CMAKE_CUDA_ARCHITECTURES})")
  elseif(_br_cuda_mode STREQUAL "ON")
    message(FATAL_ERROR "BURNRATE_ENABLE_CUDA=ON but no CUDA compiler was found: put nvcc "
                        "on PATH or set CMAKE_CUDA_COMPILER, or configure with "
                        "-DBURNRATE_ENABLE_CUDA=OFF (or AUTO) for a CPU-only build")
  else()
    message(STATUS "burnrate: CUDA backend OFF (no CUDA compiler found)")
  endif()
else()
  message(STATUS "burnrate: CUDA backend OFF (BURNRATE_ENABLE_CUDA=OFF)")
endif()

# How every .cu file of ours is compiled (the library's and the GPU tests'). The kernels
# round like the CPU engine: no contraction (the explicit fmaf calls are the only fused
# operations), IEEE division and square root, no flush to zero. Whole-program
# compilation (no device link step); the static runtime, linked through the library, so
# the C executables link with the C compiler and need only the driver at run time.
function(br_cuda_flags target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-fmad=false -prec-div=true -prec-sqrt=true -ftz=false
                               -Xcompiler=-Wall,-Wextra>)
  set_target_properties(${target} PROPERTIES CUDA_STANDARD 17 CUDA_STANDARD_REQUIRED ON
    CUDA_SEPARABLE_COMPILATION OFF CUDA_RUNTIME_LIBRARY Static)
endfunction()

function(br_cuda_backend target)
  target_compile_definitions(${target} PUBLIC BR_WITH_CUDA=${BR_WITH_CUDA})
  if(NOT BR_WITH_CUDA)
    return()
  endif()
  target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/kernels/cuda.cu
                                   ${PROJECT_SOURCE_DIR}/host/backend_cuda.c)
  br_cuda_flags(${target})
  # For the message that passes over a device this build has no code for.
  string(REPLACE ";" "," _br_archs "${CMAKE_CUDA_ARCHITECTURES}")
  target_compile_definitions(${target} PRIVATE BR_CUDA_ARCHS="${_br_archs}")
  target_link_libraries(${target} PUBLIC CUDA::cudart_static)
endfunction()
