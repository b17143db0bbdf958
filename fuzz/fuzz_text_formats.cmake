tansa_fuzz(fuzz_text_formats ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_text_formats.cpp tansa_formats tansa_io)
# The Zeek input that once grew to 16.8 GB (an empty #set_separator split forever) must read in
# under 64 MiB.
if(TARGET fuzz_text_formats_replay)
  add_test(NAME fuzz_replay.zeek_empty_set_separator_under_64mib
           COMMAND fuzz_text_formats_replay -rss_limit_mb=64
                   ${CMAKE_CURRENT_SOURCE_DIR}/regressions/fuzz_text_formats/zeek-empty-set-separator)
endif()
