# What `cmake --install` puts where, and the .deb CPack makes of it (README "Install").
#   bin/imapmirror
#   share/man/man1/imapmirror.1.gz, share/man/man5/imapmirror-config.5.gz   (doc/*.scd, if scdoc)
#   share/bash-completion/completions/imapmirror
#   share/zsh/site-functions/_imapmirror
#   share/fish/vendor_completions.d/imapmirror.fish
#   lib/systemd/user/imapmirror-backup.{service,timer}
#   share/doc/imapmirror/{copyright,README.md,doc/*.md,examples/config.toml}
include(GNUInstallDirs)

install(TARGETS imapmirror RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The attachment reader imapmirror starts (extract/sandbox.hpp finds it from bin).
install(TARGETS imapmirror-extract RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/imapmirror)

# Man pages: scdoc sources in doc/, built when scdoc is there (scripts/install-deps installs it).
# build/doc/PAGE is what the tests render; PAGE.gz (gzip -9n: no name or time stamp, so the
# package is reproducible) is what is installed, as Debian's policy wants man pages.
find_program(SCDOC_EXECUTABLE scdoc)
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(IMAPMIRROR_MAN_PAGES imapmirror.1 imapmirror-config.5)
if(SCDOC_EXECUTABLE)
  set(built_pages)
  foreach(page IN LISTS IMAPMIRROR_MAN_PAGES)
    set(out "${CMAKE_BINARY_DIR}/doc/${page}")
    add_custom_command(
      OUTPUT "${out}"
      COMMAND ${CMAKE_COMMAND} -E make_directory "${CMAKE_BINARY_DIR}/doc"
      COMMAND ${CMAKE_COMMAND} -DSCDOC=${SCDOC_EXECUTABLE} -DIN=${PROJECT_SOURCE_DIR}/doc/${page}.scd
              -DOUT=${out} -P ${PROJECT_SOURCE_DIR}/cmake/scdoc.cmake
      DEPENDS "${PROJECT_SOURCE_DIR}/doc/${page}.scd" "${PROJECT_SOURCE_DIR}/cmake/scdoc.cmake"
      COMMENT "scdoc: ${page}")
    add_custom_command(
      OUTPUT "${out}.gz"
      COMMAND ${GZIP_EXECUTABLE} -9nkf "${out}"
      DEPENDS "${out}"
      COMMENT "gzip: ${page}")
    list(APPEND built_pages "${out}" "${out}.gz")
    string(REGEX MATCH "[0-9]$" section "${page}")
    install(FILES "${out}.gz" DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
  endforeach()
  add_custom_target(man_pages ALL DEPENDS ${built_pages})
else()
  message(STATUS "scdoc not found: the man pages are not built (scripts/install-deps installs it)")
endif()

install(FILES contrib/completions/imapmirror.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME imapmirror)
install(FILES contrib/completions/_imapmirror
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
install(FILES contrib/completions/imapmirror.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

# What a user of the package reads first: the licence in Debian's machine-readable format
# (contrib/debian/copyright, which carries LICENSE's text), the README, and an example config.
# The doc/*.md pages keep their place beside the README, so its links work where it is installed.
install(FILES contrib/debian/copyright README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB doc_pages CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/doc/*.md")
install(FILES ${doc_pages} DESTINATION ${CMAKE_INSTALL_DOCDIR}/doc)
install(FILES contrib/config.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# The service names the binary by its absolute path, so the unit is written at install time,
# when the prefix is final: `cmake --install build --prefix ~/.local` gives
# ~/.local/bin/imapmirror, the .deb /usr/bin/imapmirror. systemd reads user units from
# PREFIX/lib/systemd/user for /usr and /usr/local (others: link them into
# ~/.config/systemd/user).
set(unit_in "${PROJECT_SOURCE_DIR}/contrib/systemd/imapmirror-backup.service.in")
set(unit_out "${CMAKE_BINARY_DIR}/systemd/imapmirror-backup.service")
install(CODE "
  set(IMAPMIRROR_BINARY \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/imapmirror\")
  configure_file(\"${unit_in}\" \"${unit_out}\" @ONLY)
  # file(INSTALL) puts DESTDIR in front itself (the staging root of `cpack`, or a packager's).
  file(INSTALL \"${unit_out}\" \"${PROJECT_SOURCE_DIR}/contrib/systemd/imapmirror-backup.timer\"
       \"${PROJECT_SOURCE_DIR}/contrib/systemd/imapmirror-failure@.service\"
       DESTINATION \"\${CMAKE_INSTALL_PREFIX}/lib/systemd/user\")
")

# `cpack -G DEB` in the build directory (scripts/test-package builds and checks it).
# dpkg-shlibdeps computes Depends from the libraries the binary links (libcurl4, libgmime-3.0-0,
# libsqlite3-0, libtomlplusplus3, libc6, ...), so a new library needs no change here.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME imapmirror)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "imapmirror maintainers <imapmirror@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "back up whole IMAP accounts to disk, byte-exact, read-only on the server")
set(CPACK_PACKAGE_DESCRIPTION
    "imapmirror archives every folder of an IMAP account as .eml files with a SQLite index,\n\
fetching only what changed on later runs; a config file, man pages, shell completions and a\n\
systemd user timer make nightly backups of several accounts a few commands.")
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "systemd")
# Install into DESTDIR with the final prefix, so the unit written at install time names
# /usr/bin/imapmirror, not the staging directory.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
include(CPack)
