/* Japanese era dates (和暦) as a 全部事項証明 writes them: 昭和7年11月14日, 平成元年1月8日. */
#ifndef FK_WAREKI_H
#define FK_WAREKI_H

#include <stddef.h>

/* Format ISO date "YYYY-MM-DD" in the era of that day. Dates before
 * 明治6年 (1873, the Gregorian calendar) or malformed input are copied as they
 * are. Returns 1 when converted. */
int fk_wareki(const char *iso, char *out, size_t len);

#endif
