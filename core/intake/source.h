/* Where an import's records come from (import.h): the engine works on parsed records, so a
 * package file (pkgfile.h), the receiving service or a test can feed it. */
#ifndef FK_INTAKE_SOURCE_H
#define FK_INTAKE_SOURCE_H

#include <stdint.h>

#include "package.h"
#include "status.h"

/* One record of a chunk as parsed (why FK_REJECT_NONE: r filled; else rejected by the parser
 * with detail saying where). line: 0-based index in the chunk. */
typedef fk_status (*fk_intake_record_fn)(void *arg, int64_t line, const fk_pkg_record *r,
					 fk_reject why, const char *detail, fk_error *err);

/* Where the records come from. load (may be NULL) readies chunk i outside any transaction
 * (decrypting and parsing it, for a package file); each calls fn once per record of chunk i,
 * in order, inside the chunk's transaction, after load(i) returned. The engine loads chunk
 * i + 1 on a second thread while chunk i stages, so the two cores share the work: the source
 * keeps two chunks (i + 1 loading while each(i) runs) and its load touches nothing each uses
 * for another chunk. */
typedef struct fk_intake_source {
	fk_status (*load)(void *arg, int chunk, fk_error *err);
	fk_status (*each)(void *arg, int chunk, fk_intake_record_fn fn, void *fnarg, fk_error *err);
	/* May be NULL. The staging is over (every chunk staged, or stopped): what the source
	 * holds for its chunks may go, before the engine's sorts take memory of their own. */
	void (*done)(void *arg);
	void *arg;
} fk_intake_source;

#endif
