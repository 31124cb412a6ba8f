# tributary_add_test(NAME SOURCES file... LIBS target... [SEPARATE file...])
# One Catch2 executable; every TEST_CASE in it becomes its own CTest test.
# In a unity build (TRIBUTARY_UNITY) the sources are compiled together; the
# SEPARATE ones (whose file-local helpers share a name with another file's)
# are compiled on their own.
include(Catch)

add_library(tributary_catch_main OBJECT ${PROJECT_SOURCE_DIR}/tests/catch_main.cpp)
target_link_libraries(tributary_catch_main PUBLIC Catch2::Catch2)
# The product's libraries are built as configured; the test code itself is
# not what is measured or shipped, and its large test functions compile much
# faster with less optimisation: -O1 in Release (~30% less), -O0 in sanitized
# trees (~45% less; the sanitizers still check every line of it).
function(tributary_test_code_options target)
  if(TRIBUTARY_SANITIZE)
    target_compile_options(${target} PRIVATE -O0)
  else()
    target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-O1>)
  endif()
endfunction()
tributary_test_code_options(tributary_catch_main)

function(tributary_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;SEPARATE" ${ARGN})
  add_executable(${name} ${T_SOURCES} ${T_SEPARATE} $<TARGET_OBJECTS:tributary_catch_main>)
  if(T_SEPARATE)
    set_source_files_properties(${T_SEPARATE} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  endif()
  target_link_libraries(${name} PRIVATE Catch2::Catch2 tributary_warnings ${T_LIBS})
  tributary_test_code_options(${name})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src
                                             ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${name} PRIVATE
    TRIBUTARY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TRIBUTARY_BINARY_DIR="${PROJECT_BINARY_DIR}")
  # `-w NoTests`: a CTest test whose name reaches no TEST_CASE fails instead of
  # passing empty (CMake lists split a name at ';', so names must not hold one).
  catch_discover_tests(${name} TEST_PREFIX "${name}: " EXTRA_ARGS -w NoTests
                       PROPERTIES ENVIRONMENT "TRIBUTARY_TEST_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
