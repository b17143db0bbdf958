tansa_fuzz(fuzz_archive ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_archive.cpp tansa_io)
