tansa_fuzz(fuzz_sigma ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_sigma.cpp tansa_sigma tansa_correlate)
