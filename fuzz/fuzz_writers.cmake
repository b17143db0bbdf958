tansa_fuzz(fuzz_writers ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_writers.cpp tansa_report simdjson::simdjson)
