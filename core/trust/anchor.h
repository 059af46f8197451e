/* The anchor: the end of the history and the digest of every sealed table as this terminal last
 * committed them, kept in the key folder where the database cannot reach (docs/threat-model.md).
 *
 * The file <key_dir>/trust.anchor holds two slots and a confirmation mark. A write transaction
 * writes the next state into the slot not holding the latest, as *pending* (with the state
 * before it), and syncs it, all under the database's write lock; then the database commits;
 * then the mark confirms that generation. At start-up a pending state is accepted with the
 * database at either of its two states (a power cut between the writes), a confirmed one only
 * with the database exactly at it: so a crash never bricks the terminal, and a history cut by
 * even one record after a completed write is found. Each slot is MAC'd with a key derived from
 * the trust key; a torn slot fails its MAC and the other one is used. Writers never move the
 * anchor backwards: the generation only grows, and a confirmation of an older generation does
 * not touch a newer pending one. */
#ifndef FK_ANCHOR_H
#define FK_ANCHOR_H

#include <stdint.h>

#include "crypto.h"
#include "rows.h"
#include "status.h"

#define FK_ANCHOR_NAME "trust.anchor"

/* The end of the history: the last record's place and MAC (seq 0: no record). */
typedef struct fk_head {
	int64_t seq, epoch, kind;
	uint8_t mac[FK_MAC_LEN];
} fk_head;

int fk_head_equal(const fk_head *a, const fk_head *b);

typedef struct fk_state {
	fk_head head;
	fk_digest table[FK_T_COUNT];
} fk_state;

typedef struct fk_anchor {
	uint64_t gen;
	int pending;  /* 1: written before a commit that may not have happened */
	int confirmed; /* the mark confirms gen */
	fk_state now, before; /* before: only meaningful when pending */
	/* A store several terminals write (PostgreSQL; trust.c): the store's trust_state row at
	 * generation sgen/sgen_before as this terminal last wrote or saw it, named by the row's
	 * MAC (smac/smac_before: the row holds the state; now and before keep only the history's
	 * end), and own/own_before the end of this terminal's own chain of records. */
	int shared;
	uint64_t sgen, sgen_before;
	fk_head own, own_before;
	uint8_t smac[FK_MAC_LEN], smac_before[FK_MAC_LEN];
} fk_anchor;

/* The encoding of a state (the store's trust_state row): the history's end, then the number
 * of tables and each one's digest. FK_STATE_MAX bytes at most. */
#define FK_STATE_MAX (4 + 3 * 8 + FK_MAC_LEN + 8 + FK_T_COUNT * (8 + FK_MAC_LEN))
size_t fk_state_encode(const fk_state *s, uint8_t buf[FK_STATE_MAX]);
/* 1 when buf (n bytes) is a state this program can read (a writer that knew fewer tables
 * wrote fewer: the others are empty). */
int fk_state_decode(const uint8_t *buf, size_t n, fk_state *s);

typedef struct fk_anchor_file fk_anchor_file;

/* Open <key_dir>/trust.anchor (owner-only, one link, no symlink); *exists 0 when absent (then
 * nothing is opened). */
fk_status fk_anchor_open(const char *key_dir, const uint8_t trust_key[FK_KEY_LEN],
			 fk_anchor_file **out, int *exists, fk_error *err);
/* Create it (refusing to replace one) holding a, confirmed. */
fk_status fk_anchor_create(const char *key_dir, const uint8_t trust_key[FK_KEY_LEN],
			   const fk_anchor *a, fk_anchor_file **out, fk_error *err);
void fk_anchor_close(fk_anchor_file *f);

/* The latest valid slot (and whether the mark confirms it). FK_ERR_TAMPER when neither slot
 * is valid: the anchor was damaged or belongs to another terminal's key. */
fk_status fk_anchor_read(fk_anchor_file *f, fk_anchor *a, fk_error *err);

/* Write a->gen (which must be newer than the latest) into the other slot and sync it. */
fk_status fk_anchor_write(fk_anchor_file *f, const fk_anchor *a, fk_error *err);

/* Mark generation gen confirmed (after the commit). */
fk_status fk_anchor_confirm(fk_anchor_file *f, uint64_t gen, fk_error *err);
/* The same without its own sync, for commits that follow each other closely (trust.h,
 * fk_trust_lazy_confirm): the mark reaches the disk with
 * the next write's sync of the file (the next commit's pending slot, the same file) or at
 * close. Lost to a power cut before then, the commit reads as pending: start-up accepts the
 * database at it or at the state before, which is what a confirmation lost between the
 * commit and its own sync gave already; the next pending write, synced before its commit,
 * carries the mark with it, so at most the last commit is ever unconfirmed. */
fk_status fk_anchor_confirm_after(fk_anchor_file *f, uint64_t gen, fk_error *err);

/* Tests only: called at the named point of a commit ("pending", "committed"), so that a test
 * can kill the writer there. NULL: none. */
void fk_anchor_test_hook(void (*fn)(const char *point));
void fk_anchor_test_point(const char *point);
/* Tests only: write slots as a program that knew only the first ntables sealed tables did
 * (an anchor from before a table was added: read as those tables, the others empty). 0: all. */
void fk_anchor_test_width(int ntables);

#endif
