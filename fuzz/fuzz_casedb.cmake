tansa_fuzz(fuzz_casedb ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_casedb.cpp tansa_investigate)
