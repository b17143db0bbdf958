# What `cmake --install BUILD --prefix P` puts where, and the Debian package CPack makes of it:
#   P/bin/tansa
#   P/share/tansa/rules/...                          the rule pack (the repository's rules/)
#   P/share/man/man1/tansa.1                         from tansa's help text
#   P/share/bash-completion/completions/tansa        from tansa's help text
#   P/share/zsh/site-functions/_tansa                from tansa's help text
# The binary finds its pack at BIN/../share/tansa/rules (engine::rule_pack_candidates()), so the
# folders are fixed here rather than taken from GNUInstallDirs' overridable variables.

# ---- Man page and completions, written by running the built binary -----------------------------
set(TANSA_DOCS_DIR ${CMAKE_BINARY_DIR}/generated)
set(TANSA_DOCS ${TANSA_DOCS_DIR}/tansa.1 ${TANSA_DOCS_DIR}/tansa.bash ${TANSA_DOCS_DIR}/_tansa)
add_custom_command(
  OUTPUT ${TANSA_DOCS}
  COMMAND bash ${CMAKE_SOURCE_DIR}/cmake/tansa-docs.sh $<TARGET_FILE:tansa> ${TANSA_DOCS_DIR}
  DEPENDS tansa ${CMAKE_SOURCE_DIR}/cmake/tansa-docs.sh
  COMMENT "Writing the man page and shell completions from tansa --help"
  VERBATIM)
add_custom_target(tansa_docs ALL DEPENDS ${TANSA_DOCS})

# A build folder outside the source tree: link the pack beside the binary, so BUILD/tansa finds it
# as build/tansa finds ../rules.
get_filename_component(_tansa_build_parent ${CMAKE_BINARY_DIR} DIRECTORY)
if(NOT _tansa_build_parent STREQUAL CMAKE_SOURCE_DIR AND NOT EXISTS ${CMAKE_BINARY_DIR}/rules)
  file(CREATE_LINK ${CMAKE_SOURCE_DIR}/rules ${CMAKE_BINARY_DIR}/rules SYMBOLIC)
endif()

# ---- Install ------------------------------------------------------------------------------------
install(TARGETS tansa RUNTIME DESTINATION bin)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/rules/ DESTINATION share/tansa/rules)
# `cmake --build BUILD --target tansa` does not build tansa_docs: write them now when they are
# missing or older than the binary or the script, so an install never ships a page that lies
# about the options.
install(CODE "
  set(_tansa_bin \"$<TARGET_FILE:tansa>\")
  set(_tansa_docs \"${TANSA_DOCS_DIR}\")
  set(_tansa_stale FALSE)
  foreach(_f tansa.1 tansa.bash _tansa)
    if(NOT EXISTS \"\${_tansa_docs}/\${_f}\" OR \"\${_tansa_bin}\" IS_NEWER_THAN \"\${_tansa_docs}/\${_f}\"
       OR \"${CMAKE_SOURCE_DIR}/cmake/tansa-docs.sh\" IS_NEWER_THAN \"\${_tansa_docs}/\${_f}\")
      set(_tansa_stale TRUE)
    endif()
  endforeach()
  if(_tansa_stale)
    execute_process(COMMAND bash \"${CMAKE_SOURCE_DIR}/cmake/tansa-docs.sh\" \"\${_tansa_bin}\" \"\${_tansa_docs}\"
                    RESULT_VARIABLE _tansa_rc)
    if(_tansa_rc)
      message(FATAL_ERROR \"cmake/tansa-docs.sh failed (\${_tansa_rc})\")
    endif()
  endif()
")
install(FILES ${TANSA_DOCS_DIR}/tansa.1 DESTINATION share/man/man1)
install(FILES ${TANSA_DOCS_DIR}/tansa.bash DESTINATION share/bash-completion/completions RENAME tansa)
install(FILES ${TANSA_DOCS_DIR}/_tansa DESTINATION share/zsh/site-functions)

# ---- Debian package: cpack --config BUILD/CPackConfig.cmake (scripts/package.sh) ---------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tansa)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "find, scope and prove breaches from logs")
set(CPACK_PACKAGE_DESCRIPTION
    "tansa reads Windows event logs (EVTX), Windows events as JSON, syslog and auth.log, VPN and\
 firewall key=value logs, Zeek and cloud audit JSON, runs Sigma rules over them with its own\
 compiled engine, and answers the questions asked after a breach with the events behind each\
 answer. Ships its rule pack, a man page and bash and zsh completions.")
set(CPACK_PACKAGE_CONTACT "tansa maintainers <maintainers@users.noreply.r-seed-e67b0ac6.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tansa_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the libraries the binary links, through dpkg-shlibdeps (dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Without a --geoip database, countries come from Debian's (old) country database.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "geoip-database")
include(CPack)
