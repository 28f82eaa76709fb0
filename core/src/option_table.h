/* Internal part of the option table (option_table.c): the checks
 * light_client_new() runs on a struct whose fields a C caller may have set
 * directly, and the env-defaults pass of light_client_options_init(). */
#ifndef LIGHT_OPTION_TABLE_H
#define LIGHT_OPTION_TABLE_H

#include "light/options.h"

/* Every number field of @p o: 0 (and -1 for max_retries) means default;
 * anything else must be finite and inside the table's range. Strings: the
 * checks of the setters (CR/LF). Returns LIGHT_OK or LIGHT_E_INVALID_ARGUMENT. */
light_status light__options_check(const light_client_options *o, light_error *err);

/* The table's default number for the field at @p offset (0 when none). */
double light__option_default(size_t offset);
#define LIGHT__OPT_DEFAULT(field) light__option_default(offsetof(light_client_options, field))

/* Fill the options that name an environment variable (a value that does
 * not pass the option's checks is ignored). */
void light__options_from_env(light_client_options *o);

#endif
