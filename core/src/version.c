/* Run-time version of the library (light/version.h). */
#include "light/version.h"

const char *light_version(void) { return LIGHT_VERSION; }
