tansa_fuzz(fuzz_text_formats ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_text_formats.cpp tansa_formats tansa_io)
