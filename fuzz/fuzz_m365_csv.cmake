tansa_fuzz(fuzz_m365_csv ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_m365_csv.cpp tansa_formats tansa_io)
