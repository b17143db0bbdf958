tansa_fuzz(fuzz_evtx ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_evtx.cpp tansa_evtx)
