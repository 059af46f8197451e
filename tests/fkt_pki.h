/* Test helpers for the receiving side's certificates (issue 10; R-MUTUAL): the test PKI of
 * tests/pki.sh made in a folder, files read whole, a CSR signed by the test CA. */
#ifndef FKT_PKI_H
#define FKT_PKI_H

#include <stddef.h>
#include <stdint.h>

/* Run tests/pki.sh DIR SPEC... (specs: NULL-terminated, may be none); asserts it succeeded. */
void fkt_pki_make(const char *dir, const char *const *specs);
/* A fresh private folder for a test PKI shared by a suite's tests (made once in main), and its
 * removal with everything in it. */
void fkt_pki_tmpdir(char *buf, size_t len);
void fkt_pki_remove(const char *dir);
/* dir/name whole (malloc'd, NUL after the bytes); asserts it could be read. */
uint8_t *fkt_pki_read(const char *dir, const char *name, size_t *n);
/* The CSR (PEM) signed by dir/ca.key as the test CA's receiving certificate (leaf_recv's
 * extensions), valid from now - 1 h for days days (negative: ended that many days ago): PEM. */
char *fkt_pki_sign_csr(const char *dir, const char *csr, int days, size_t *n);

#endif
