# Generates a C++ header holding every schema/NNN_*.sql file in order, so the binary carries its
# own migrations. Input: SCHEMA_DIR, OUTPUT.
file(GLOB sql_files "${SCHEMA_DIR}/[0-9][0-9][0-9]_*.sql")
list(SORT sql_files)
set(body "")
foreach(f IN LISTS sql_files)
  file(READ "${f}" sql)
  get_filename_component(name "${f}" NAME)
  string(APPEND body "    {\"${name}\", R\"imapmirror_sql(${sql})imapmirror_sql\"},\n")
endforeach()
file(WRITE "${OUTPUT}.tmp" "// Generated from schema/*.sql by cmake/embed_schema.cmake. Do not edit.\n#pragma once\n#include <utility>\nnamespace imapmirror::index {\ninline constexpr std::pair<const char*, const char*> kMigrations[] = {\n${body}};\n}\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different "${OUTPUT}.tmp" "${OUTPUT}")
