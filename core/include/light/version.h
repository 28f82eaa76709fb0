/**
 * @file light/version.h
 * @brief Compile-time and run-time version of light-sdk.
 */
#ifndef LIGHT_VERSION_H
#define LIGHT_VERSION_H

#include "light/common.h"

#define LIGHT_VERSION_MAJOR 0
#define LIGHT_VERSION_MINOR 1
#define LIGHT_VERSION_PATCH 0
#define LIGHT_VERSION "0.1.0"
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
