# Turns the Kemendagri region list (kode,nama,tingkat; e.g.
# ../shared/data/wilayah.csv) into the compact form the region search
# reads (src/region/search.h): one line per region, in the list's order,
# its level as a letter, then for a provinsi, kabupaten, kota or kecamatan
# its code, a space and its name, and for a desa, kelurahan or desa adat
# (nine in ten lines) only its last four digits and its name: their
# parents' codes and the word "desa" are not repeated 83 000 times.
#   p11 Aceh / k11.01 Kabupaten Aceh Selatan / c11.01.01 Bakongan /
#   d2001Keude Bakongan
#   cmake -DIN=wilayah.csv -DOUT=build/wilayah.txt -P cmake/wilayah.cmake
file(STRINGS ${IN} lines ENCODING UTF-8)
list(REMOVE_AT lines 0) # the header
set(letters "provinsi;p;kabupaten;k;kota;t;kecamatan;c;desa;d;kelurahan;l;desa_adat;a")
set(out "")
foreach(line IN LISTS lines)
  string(REGEX REPLACE "\r$" "" line "${line}")
  # (no OR: CMake evaluates both sides, and a failed MATCHES clears
  # CMAKE_MATCH_*)
  if(NOT line MATCHES "^([0-9.]+),\"(.*)\",([a-z_]+)$")
    string(REGEX MATCH "^([0-9.]+),([^,\"]*),([a-z_]+)$" m "${line}")
  endif()
  if(CMAKE_MATCH_COUNT EQUAL 3)
    set(code "${CMAKE_MATCH_1}")
    set(name "${CMAKE_MATCH_2}")
    set(level "${CMAKE_MATCH_3}")
  else()
    message(FATAL_ERROR "${IN}: not kode,nama,tingkat: ${line}")
  endif()
  list(FIND letters "${level}" i)
  if(i EQUAL -1)
    message(FATAL_ERROR "${IN}: unknown tingkat '${level}' in: ${line}")
  endif()
  math(EXPR i "${i} + 1")
  list(GET letters ${i} letter)
  if(letter MATCHES "[dla]")
    string(REGEX REPLACE "^.*\\." "" seg "${code}")
    string(APPEND out "${letter}${seg}${name}\n")
  else()
    string(APPEND out "${letter}${code} ${name}\n")
  endif()
endforeach()
file(WRITE ${OUT}.tmp "${out}")
file(RENAME ${OUT}.tmp ${OUT})
