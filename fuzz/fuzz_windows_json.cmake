tansa_fuzz(fuzz_windows_json ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_windows_json.cpp tansa_formats)
