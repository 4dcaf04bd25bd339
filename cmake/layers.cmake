# simpul_layers(TARGET MAY_CALL LIB... OF LIB...): the build fails when an
# object of the static library TARGET calls a function defined in one of
# the libraries OF that it may not call (MAY_CALL, and itself, excepted).
# Checked with nm (cmake/check_layers.sh) whenever one of them changes.
function(simpul_layers target)
  cmake_parse_arguments(L "" "" "MAY_CALL;OF" ${ARGN})
  set(others)
  foreach(lib ${L_OF})
    list(FIND L_MAY_CALL ${lib} allowed)
    if(allowed EQUAL -1 AND NOT lib STREQUAL target)
      list(APPEND others ${lib})
    endif()
  endforeach()
  set(files)
  foreach(lib ${others})
    list(APPEND files $<TARGET_FILE:${lib}>)
  endforeach()
  set(stamp ${CMAKE_BINARY_DIR}/layers/${target}.ok)
  add_custom_command(OUTPUT ${stamp}
    COMMAND sh ${CMAKE_SOURCE_DIR}/cmake/check_layers.sh ${CMAKE_NM}
            ${target} $<TARGET_FILE:${target}> ${stamp} ${files}
    DEPENDS ${target} ${others} ${CMAKE_SOURCE_DIR}/cmake/check_layers.sh
    COMMENT "Checking what ${target} calls"
    VERBATIM)
  add_custom_target(${target}_layers ALL DEPENDS ${stamp})
endfunction()
