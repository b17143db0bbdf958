tansa_fuzz(fuzz_rule_cache ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_rule_cache.cpp tansa_sigma)
