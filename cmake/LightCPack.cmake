# The .deb pair for C users (`make dist`, tools/dist/build-deb.sh):
#   liblight0    liblight.so.0 (component runtime); depends on Debian's
#                libcurl4 (>= 7.80: the core sets CURLOPT_PREREQFUNCTION so
#                libcurl never re-sends a POST on a reused connection),
#                libcjson1, libssl3 and libc6 (the floors dpkg-shlibdeps
#                computes on bookworm; written out so the list stays one line each).
#   liblight-dev headers, liblight.so, liblight.a, light.pc, CMake config
#                (component dev); depends on liblight0 of the same version and
#                the -dev packages light.pc names (libcjson, libcurl, libcrypto).
# Configure with -DCMAKE_INSTALL_PREFIX=/usr so libdir is Debian's multiarch one.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME liblight)
set(CPACK_PACKAGE_VENDOR "light-sdk")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "C client for the Light electricity API")
set(CPACK_PACKAGE_CONTACT "light-sdk maintainers <light-sdk@users.noreply.github.com>")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/light-sdk/light-sdk")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME liblight${PROJECT_VERSION_MAJOR})
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS "libc6 (>= 2.34), libcurl4 (>= 7.80.0), libcjson1 (>= 1.7.13), libssl3 (>= 3.0.0)")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/deb/triggers) # ldconfig after install
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION "shared library liblight.so.${PROJECT_VERSION_MAJOR}: every Light API operation, retries, pagination and webhook verification, over libcurl, OpenSSL and cJSON.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME liblight-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "liblight${PROJECT_VERSION_MAJOR} (= ${PROJECT_VERSION}-1), libcjson-dev, libcurl4-openssl-dev | libcurl-dev, libssl-dev")
set(CPACK_COMPONENT_DEV_DESCRIPTION "development files: headers (light/light.h), liblight.so, liblight.a, the pkg-config file light.pc and the CMake package light.")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
