tansa_fuzz(fuzz_compiled_cache ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_compiled_cache.cpp tansa_sigma)
