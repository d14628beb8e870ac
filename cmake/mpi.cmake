# Optional MPI (host/parallel.c, the only file that includes <mpi.h>).
#   BURNRATE_ENABLE_MPI=AUTO (default): used whenever CMake finds MPI for C;
#   ON: required, configuration fails without it; OFF: never.
# BR_WITH_MPI (0 or 1) is what the code tests with `#if`; br_mpi(target) defines it on
# the target, always, and links MPI::MPI_C when it is 1.
set(BURNRATE_ENABLE_MPI AUTO CACHE STRING "Build with MPI: AUTO, ON or OFF")
set_property(CACHE BURNRATE_ENABLE_MPI PROPERTY STRINGS AUTO ON OFF)

string(TOUPPER "${BURNRATE_ENABLE_MPI}" _br_mpi_mode)
if(_br_mpi_mode MATCHES "^(ON|YES|TRUE|Y|1)$")
  set(_br_mpi_mode ON)
elseif(_br_mpi_mode MATCHES "^(OFF|NO|FALSE|N|0)$")
  set(_br_mpi_mode OFF)
elseif(NOT _br_mpi_mode STREQUAL "AUTO")
  message(FATAL_ERROR "BURNRATE_ENABLE_MPI='${BURNRATE_ENABLE_MPI}': allowed AUTO, ON, OFF")
endif()

set(BR_WITH_MPI 0)
if(NOT _br_mpi_mode STREQUAL "OFF")
  if(_br_mpi_mode STREQUAL "ON")
    find_package(MPI REQUIRED COMPONENTS C)
  else()
    find_package(MPI QUIET COMPONENTS C)
  endif()
  if(MPI_C_FOUND)
    set(BR_WITH_MPI 1)
    message(STATUS "burnrate: MPI ON (MPI ${MPI_C_VERSION}, ${MPI_C_COMPILER})")
  else()
    message(STATUS "burnrate: MPI OFF (no MPI for C found; Debian: openmpi-bin libopenmpi-dev)")
  endif()
else()
  message(STATUS "burnrate: MPI OFF (BURNRATE_ENABLE_MPI=OFF)")
endif()

function(br_mpi target)
  target_compile_definitions(${target} PUBLIC BR_WITH_MPI=${BR_WITH_MPI})
  if(BR_WITH_MPI)
    target_link_libraries(${target} PUBLIC MPI::MPI_C)
  endif()
endfunction()
