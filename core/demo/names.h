/* Synthetic-name lists (gimei-names.yml, MIT) for demo and test data only. */
#ifndef FK_NAMES_H
#define FK_NAMES_H

#include <stddef.h>

#include "status.h"

typedef struct fk_name {
	const char *kanji;
	const char *hira; /* reading in hiragana */
} fk_name;

typedef struct fk_names {
	fk_name *last;
	size_t n_last;
	fk_name *male;
	size_t n_male;
	fk_name *female;
	size_t n_female;
	char *arena; /* owns every string */
} fk_names;

/* Parse the gimei YAML file (its simple, fixed shape: last_name / first_name
 * male / female lists of ['漢字', 'ひらがな', 'カタカナ', 'Romaji']).
 * FK_ERR_IO if unreadable, FK_ERR_CORRUPT if a line is malformed or a list
 * is empty. */
fk_status fk_names_load(const char *path, fk_names *out, fk_error *err);
void fk_names_free(fk_names *n);

#endif
