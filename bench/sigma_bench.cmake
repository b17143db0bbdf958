add_executable(sigma_bench ${CMAKE_CURRENT_SOURCE_DIR}/sigma_bench.cpp)
target_link_libraries(sigma_bench PRIVATE tansa_headers tansa_sigma tansa_evtx tansa_formats)
target_compile_definitions(sigma_bench PRIVATE TANSA_SIGMAHQ_DIR="${TANSA_SIGMAHQ_DIR}")
