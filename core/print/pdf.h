/* The 全部事項証明 as an A4 PDF (R-PRINT): the layout lines the console shows (fk_cert_lines),
 * set in IPAmj明朝 through cairo and pango, every page numbered and marked with who made it,
 * under whose approval, when and as which output, over a visible "写し" watermark. Pure
 * rendering: no database, no files; the bytes go to the caller's writer, which decides where
 * they land (core/approve/ writes them to the spool and hashes them). */
#ifndef FK_PDF_H
#define FK_PDF_H

#include <stddef.h>
#include <stdint.h>

#include "cert.h"
#include "status.h"

/* The marks on every page. Every string is shown as display-safe text (fk_disp_clean). */
typedef struct fk_pdf_marks {
	const char *bureau;   /* the bureau's name: 東京法務局 */
	const char *number;   /* the output number: bureau / year / serial */
	const char *operator_user, *approver_user;
	int64_t at;           /* UTC ns; shown as JST */
	int64_t request_id;
	const char *content_hash; /* a short hash of the content (hex) */
} fk_pdf_marks;

/* Writes n bytes; 0 on success, else an errno value (ENOSPC: the disk is full). */
typedef int (*fk_pdf_write_fn)(void *arg, const unsigned char *buf, size_t n);

/* The font family asked of fontconfig; IPAex明朝 stands in where IPAmj明朝 is missing. */
#define FK_PDF_FONT "IPAmjMincho, IPAexMincho"

/* Render lines as an A4 PDF through write. FK_ERR_IO (the message naming the write's error)
 * when a write failed: the caller throws the partial file away. *pages: how many pages. */
fk_status fk_pdf_render(const fk_lines *lines, const fk_pdf_marks *m, fk_pdf_write_fn write,
			void *arg, int *pages, fk_error *err);

/* "2026-12-01 21:05 JST" for ns (UTC). */
void fk_pdf_fmt_jst(int64_t ns, char *buf, size_t len);

#endif
