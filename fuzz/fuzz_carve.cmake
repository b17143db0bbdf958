tansa_fuzz(fuzz_carve ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_carve.cpp tansa_evtx)
