/* Rows already checked, by their exact bytes: a small table is checked in full whenever another
 * process wrote (trust.c), and most of its rows are the same as at the last check. A row whose
 * bytes (every covered column and its MAC) equal ones checked before needs neither HMAC again:
 * both are functions of those bytes under this terminal's keys, which do not change while the
 * context is open. Equality is exact (memcmp); the hash only finds the slot, so a collision
 * costs time, never a wrong answer. */
#ifndef FK_TRUST_MEMO_H
#define FK_TRUST_MEMO_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

typedef struct fk_memo fk_memo;

/* NULL when out of memory (the check then runs without it). */
fk_memo *fk_memo_new(void);
void fk_memo_free(fk_memo *m);
/* The contribution remembered for exactly these bytes, or NULL. */
const uint8_t *fk_memo_find(const fk_memo *m, const uint8_t *bytes, size_t len);
/* Remember bytes as checked, with their contribution to the table's digest. Out of memory,
 * or past its bound, it forgets everything and starts again (it is only a shortcut). */
void fk_memo_put(fk_memo *m, const uint8_t *bytes, size_t len, const uint8_t c[FK_MAC_LEN]);

#endif
