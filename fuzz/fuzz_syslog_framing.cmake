tansa_fuzz(fuzz_syslog_framing ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_syslog_framing.cpp tansa_watch)
