tansa_fuzz(fuzz_spill ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_spill.cpp tansa_hunt)
