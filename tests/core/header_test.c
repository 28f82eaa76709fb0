/* Compiled with -pedantic -Werror: the umbrella header must stand alone. */
#include <light/light.h>

int light_header_test_symbol(void);
int light_header_test_symbol(void) { return LIGHT_VERSION_NUM > 0 && light_operation_count() > 0; }
