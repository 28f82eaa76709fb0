/**
 * @file light/version.h
 * @brief Compile-time and run-time version of light-sdk.
 */
#ifndef LIGHT_VERSION_H
#define LIGHT_VERSION_H

/* The one place of the version of every light-sdk package (C library, wheel,
 * npm package, rock, .deb): CMake and pyproject.toml read these three lines,
 * tools/dist/set-version.py X.Y.Z rewrites them and the copies package.json
 * and the rockspec must carry; tests/dist/test_version.py checks they agree. */

#include "light/common.h"

#define LIGHT_VERSION_MAJOR 0
#define LIGHT_VERSION_MINOR 1
#define LIGHT_VERSION_PATCH 0
#define LIGHT__VSTR2(x) #x
#define LIGHT__VSTR(x) LIGHT__VSTR2(x)
/** "MAJOR.MINOR.PATCH" */
#define LIGHT_VERSION \
  LIGHT__VSTR(LIGHT_VERSION_MAJOR) "." LIGHT__VSTR(LIGHT_VERSION_MINOR) "." LIGHT__VSTR(LIGHT_VERSION_PATCH)
/** Single comparable number: 0xMMmmpp. */
#define LIGHT_VERSION_NUM ((LIGHT_VERSION_MAJOR << 16) | (LIGHT_VERSION_MINOR << 8) | LIGHT_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Version of the linked library ("MAJOR.MINOR.PATCH").
 *
 * Ownership: static string, never free it. Thread safety: any thread.
 */
LIGHT_EXTERN(const char *) light_version(void);

#ifdef __cplusplus
}
#endif
#endif
