/* Sending a printed copy to a printer over IPP (R-PRINT; print_queue in fukuhon.conf(5)):
 * libcups's IPP client, no lp process and no shell. An ipps:// printer must present a
 * certificate that verifies (chain to print_queue_ca or the system's CAs, and the URI's host
 * name or address): libcups alone would trust any certificate on first use. */
#ifndef FK_PRINT_IPP_H
#define FK_PRINT_IPP_H

#include "status.h"

/* Where the copies go: uri ipp://… or ipps://… (no user or password in it); ca_file "" or NULL
 * for the system's CAs. */
typedef struct fk_ipp_queue {
	const char *uri;
	const char *ca_file;
} fk_ipp_queue;

/* Whether the printer answers, accepts jobs, is not stopped and takes PDF, before any copy is
 * made. FK_ERR_IO with FK_MSG_PRINTER_REFUSED ({a}: why, in the printer's or libcups's words)
 * when not. */
fk_status fk_ipp_check(const fk_ipp_queue *q, fk_error *err);

/* Send the PDF file at path as one job named title for user: *job_id the printer's job id.
 * FK_ERR_IO with FK_MSG_PRINTER_REFUSED when the printer cannot be reached or refuses it. */
fk_status fk_ipp_send(const fk_ipp_queue *q, const char *user, const char *title, const char *path,
		      int *job_id, fk_error *err);

#endif
