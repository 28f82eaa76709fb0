/**
 * @file light/common.h
 * @brief The export macro of every public function (in the manner of
 * libgit2's GIT_EXTERN).
 *
 * The core is built with -fvisibility=hidden: internals (light__*) stay
 * private to liblight.so and to the bindings that link the static library;
 * only functions declared with LIGHT_EXTERN are exported.
 */
#ifndef LIGHT_COMMON_H
#define LIGHT_COMMON_H

/** Declare a public function returning @p type. */
#if defined(_WIN32) && defined(LIGHT_BUILDING_DLL)
#define LIGHT_EXTERN(type) extern __declspec(dllexport) type
#elif defined(_WIN32) && defined(LIGHT_USING_DLL)
#define LIGHT_EXTERN(type) extern __declspec(dllimport) type
#elif defined(__GNUC__) || defined(__clang__)
#define LIGHT_EXTERN(type) extern __attribute__((visibility("default"))) type
#else
#define LIGHT_EXTERN(type) extern type
#endif

#endif
