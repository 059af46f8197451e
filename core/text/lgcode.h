/* 全国地方公共団体コード: the 6-digit municipality code and its check digit. */
#ifndef FK_LGCODE_H
#define FK_LGCODE_H

#include "status.h"

/* Check digit of the 5-digit body d1..d5: weights 6,5,4,3,2; r = sum mod 11;
 * check = (11 - r) mod 10 (r = 0 gives 1, r = 1 gives 0). -1 if body is not
 * 5 ASCII digits. */
int fk_lgcode_check_digit(const char *body5);

/* FK_OK when code is exactly 6 ASCII digits with a correct check digit;
 * otherwise FK_ERR_INVALID with a message naming what is wrong (and, for a
 * wrong check digit, the expected one). */
fk_status fk_lgcode_validate(const char *code, fk_error *err);

#endif
