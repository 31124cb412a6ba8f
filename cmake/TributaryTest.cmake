# tributary_add_test(NAME SOURCES file... LIBS target...)
# One Catch2 executable; every TEST_CASE in it becomes its own CTest test.
include(Catch)

add_library(tributary_catch_main OBJECT ${PROJECT_SOURCE_DIR}/tests/catch_main.cpp)
target_link_libraries(tributary_catch_main PUBLIC Catch2::Catch2)

function(tributary_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES} $<TARGET_OBJECTS:tributary_catch_main>)
  target_link_libraries(${name} PRIVATE Catch2::Catch2 tributary_warnings ${T_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src
                                             ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${name} PRIVATE
    TRIBUTARY_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TRIBUTARY_BINARY_DIR="${PROJECT_BINARY_DIR}")
  catch_discover_tests(${name} TEST_PREFIX "${name}: "
                       PROPERTIES ENVIRONMENT "TRIBUTARY_TEST_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
