# tansa_module(NAME DEPS...): a library per stage from the .cpp files in the current folder.
# A stage links only stages upstream of it, so data flows one way.
function(tansa_module name)
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(sources)
    add_library(${name} STATIC ${sources})
    target_link_libraries(${name} PUBLIC tansa_headers ${ARGN})
  else()
    add_library(${name} INTERFACE)
    target_link_libraries(${name} INTERFACE tansa_headers ${ARGN})
  endif()
endfunction()
