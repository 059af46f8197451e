/* Unit tests: the key folder, its permission checks, wrapping and rotation (R-KEYS, R-ATREST). */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fktest.h"
#include "keyfile.h"
#include "keys.h"

#define CK_OK(expr, errp)                                                                 \
	do {                                                                              \
		fk_status ck_st_ = (expr);                                                \
		ck_assert_msg(ck_st_ == FK_OK, "%s -> %s: %s", #expr, fk_status_name(ck_st_), \
			      (errp)->msg);                                               \
	} while (0)

#define KEY_FILE_LEN 77
#define MASTER1 "master-00000001.key"
#define MASTER2 "master-00000002.key"

static char tmp[512];  /* private temporary folder of the test */
static char kdir[600]; /* the key folder inside it (not created by setup) */

static void setup(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmp, sizeof tmp, "%s/fk-keys-XXXXXX", base && *base ? base : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(kdir, sizeof kdir, "%s/keys", tmp);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void teardown(void)
{
	fk_crypto_thread_cleanup();
	ck_assert_int_eq(nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* Path of name in the key folder (one of two static buffers, alternating). */
static const char *kp(const char *name)
{
	static char buf[2][700];
	static int i;
	i ^= 1;
	snprintf(buf[i], sizeof buf[i], "%s/%s", kdir, name);
	return buf[i];
}

static void create_keys(void)
{
	fk_error err;
	CK_OK(fk_keys_create(kdir, &err), &err);
}

static fk_status try_open(fk_error *err)
{
	fk_keyring *kr = NULL;
	fk_status st = fk_keys_open(kdir, &kr, err);
	ck_assert(st == FK_OK ? kr != NULL : kr == NULL);
	fk_keys_close(kr);
	return st;
}

static fk_keyring *open_keys(void)
{
	fk_error err;
	fk_keyring *kr = NULL;
	CK_OK(fk_keys_open(kdir, &kr, &err), &err);
	return kr;
}

static void assert_msg_has(const fk_error *err, const char *text)
{
	ck_assert_msg(strstr(err->msg, text) != NULL, "message \"%s\" lacks \"%s\"", err->msg, text);
}

static unsigned mode_of(const char *path)
{
	struct stat sb;
	ck_assert_int_eq(lstat(path, &sb), 0);
	return (unsigned)(sb.st_mode & 07777);
}

/* Flip one bit of byte off in a key file. */
static void flip_byte(const char *path, long off)
{
	fkt_flip_byte(path, off, 0x01);
}

/* R-KEYS: a new folder is 0700 with 0600 key files, and opens with master key 1. */
START_TEST(create_then_open)
{
	create_keys();
	ck_assert_uint_eq(mode_of(kdir), 0700);
	ck_assert_uint_eq(mode_of(kp(MASTER1)), 0600);
	ck_assert_uint_eq(mode_of(kp("index.key")), 0600);
	struct stat sb;
	ck_assert_int_eq(stat(kp(MASTER1), &sb), 0);
	ck_assert_int_eq(sb.st_size, KEY_FILE_LEN);
	fk_keyring *kr = open_keys();
	ck_assert_str_eq(fk_keys_dir(kr), kdir);
	ck_assert_uint_eq(fk_keys_current_id(kr), 1);
	ck_assert_uint_eq(fk_keys_master_count(kr), 1);
	ck_assert_uint_eq(fk_keys_master_id_at(kr, 0), 1);
	ck_assert_uint_eq(fk_keys_master_id_at(kr, 1), 0);
	ck_assert_ptr_nonnull(fk_keys_master(kr, 1));
	ck_assert_ptr_null(fk_keys_master(kr, 2));
	ck_assert_ptr_nonnull(fk_keys_index(kr));
	ck_assert_int_ne(memcmp(fk_keys_master(kr, 1), fk_keys_index(kr), FK_KEY_LEN), 0);
	fk_keys_close(kr);
	fk_keys_close(NULL);
}
END_TEST

/* R-KEYS: creating over existing keys is refused, so keys are never replaced. */
START_TEST(double_create_refused)
{
	fk_error err;
	create_keys();
	fk_keyring *kr = open_keys();
	uint8_t before[FK_KEY_LEN];
	memcpy(before, fk_keys_master(kr, 1), FK_KEY_LEN);
	fk_keys_close(kr);
	ck_assert_int_eq(fk_keys_create(kdir, &err), FK_ERR_EXISTS);
	assert_msg_has(&err, kdir);
	kr = open_keys();
	ck_assert_mem_eq(fk_keys_master(kr, 1), before, FK_KEY_LEN);
	fk_keys_close(kr);
	/* Even a folder holding only a stray key-like file is not initialised over. */
	ck_assert_int_eq(unlink(kp(MASTER1)), 0);
	ck_assert_int_eq(unlink(kp("index.key")), 0);
	FILE *f = fopen(kp("old.key"), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(fk_keys_create(kdir, &err), FK_ERR_EXISTS);
}
END_TEST

/* R-KEYS: an existing empty folder is used if private; if not, refused (not repaired). */
START_TEST(create_in_existing_folder)
{
	fk_error err;
	ck_assert_int_eq(mkdir(kdir, 0700), 0);
	FILE *f = fopen(kp("README"), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fclose(f), 0);
	create_keys();
	ck_assert_int_eq(try_open(&err), FK_OK);
	ck_assert_int_eq(unlink(kp(MASTER1)), 0);
	ck_assert_int_eq(unlink(kp("index.key")), 0);
	ck_assert_int_eq(chmod(kdir, 0755), 0);
	ck_assert_int_eq(fk_keys_create(kdir, &err), FK_ERR_KEYPERM);
	ck_assert_uint_eq(mode_of(kdir), 0755);
	ck_assert_int_eq(access(kp(MASTER1), F_OK), -1);
}
END_TEST

/* R-KEYS: a folder group or others can enter is refused, naming path and mode,
 * even for root (modes are checked, not access). */
START_TEST(folder_mode_refused)
{
	fk_error err;
	create_keys();
	ck_assert_int_eq(chmod(kdir, 0755), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	assert_msg_has(&err, kdir);
	assert_msg_has(&err, "mode 0755");
	assert_msg_has(&err, "0700");
	ck_assert_int_eq(chmod(kdir, 0701), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	ck_assert_int_eq(chmod(kdir, 0700), 0);
	ck_assert_int_eq(try_open(&err), FK_OK);
}
END_TEST

/* R-KEYS: a key file readable by group or others is refused. */
START_TEST(file_mode_refused)
{
	fk_error err;
	create_keys();
	ck_assert_int_eq(chmod(kp(MASTER1), 0644), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	assert_msg_has(&err, kp(MASTER1));
	assert_msg_has(&err, "mode 0644");
	ck_assert_int_eq(chmod(kp(MASTER1), 0600), 0);
	ck_assert_int_eq(chmod(kp("index.key"), 0640), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	assert_msg_has(&err, "index.key");
	ck_assert_int_eq(chmod(kp("index.key"), 0400), 0);
	ck_assert_int_eq(try_open(&err), FK_OK);
}
END_TEST

/* R-KEYS: a key file or folder that is a symlink is refused, even to a safe target. */
START_TEST(symlink_refused)
{
	fk_error err;
	char moved[700], link2[700];
	create_keys();
	snprintf(moved, sizeof moved, "%s/elsewhere.key", tmp);
	ck_assert_int_eq(rename(kp("index.key"), moved), 0);
	ck_assert_int_eq(symlink(moved, kp("index.key")), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	assert_msg_has(&err, "symbolic link");
	assert_msg_has(&err, "index.key");
	ck_assert_int_eq(unlink(kp("index.key")), 0);
	ck_assert_int_eq(rename(moved, kp("index.key")), 0);
	ck_assert_int_eq(try_open(&err), FK_OK);
	snprintf(link2, sizeof link2, "%s/keylink", tmp);
	ck_assert_int_eq(symlink(kdir, link2), 0);
	fk_keyring *kr = NULL;
	ck_assert_int_eq(fk_keys_open(link2, &kr, &err), FK_ERR_KEYPERM);
	assert_msg_has(&err, "symbolic link");
}
END_TEST

/* R-KEYS: a key file that is not a regular file (FIFO, folder) is refused without hanging. */
START_TEST(non_regular_refused)
{
	fk_error err;
	create_keys();
	ck_assert_int_eq(mkdir(kp("master-00000005.key"), 0700), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	ck_assert_int_eq(rmdir(kp("master-00000005.key")), 0);
	ck_assert_int_eq(unlink(kp("index.key")), 0);
	ck_assert_int_eq(mkfifo(kp("index.key"), 0600), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	assert_msg_has(&err, "not a regular file");
}
END_TEST

/* R-KEYS: a key file with a second name (a hard link, maybe outside the
 * folder) is refused wherever key files are opened: the keyring, the history
 * keys (fk_keyfile_read) and retirement, which would leave the other name. */
START_TEST(hard_link_refused)
{
	fk_error err;
	char other[700];
	create_keys();
	snprintf(other, sizeof other, "%s/copy-of-index.key", tmp);
	ck_assert_int_eq(link(kp("index.key"), other), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	assert_msg_has(&err, kp("index.key"));
	assert_msg_has(&err, "2 hard links");
	ck_assert_int_eq(unlink(other), 0);
	ck_assert_int_eq(try_open(&err), FK_OK);
	/* a second name inside the folder too */
	fk_keyring *kr = open_keys();
	CK_OK(fk_keys_add_master(kr, &err), &err);
	ck_assert_int_eq(link(kp(MASTER1), kp("not-a-key")), 0);
	ck_assert_int_eq(fk_keys_retire_master(kr, 1, &err), FK_ERR_KEYPERM);
	assert_msg_has(&err, "hard links");
	ck_assert_int_eq(access(kp(MASTER1), F_OK), 0);
	ck_assert_int_eq(unlink(kp("not-a-key")), 0);
	CK_OK(fk_keys_retire_master(kr, 1, &err), &err);
	fk_keys_close(kr);
	/* the files written atomically (the history's keys) have one link, and keep to it */
	uint8_t buf[40] = {1, 2, 3}, back[40];
	CK_OK(fk_keyfile_write(kdir, "audit.key", buf, sizeof buf, 1, &err), &err);
	CK_OK(fk_keyfile_read(kdir, "audit.key", back, sizeof back, &err), &err);
	ck_assert_mem_eq(back, buf, sizeof buf);
	ck_assert_int_eq(link(kp("audit.key"), other), 0);
	ck_assert_int_eq(fk_keyfile_read(kdir, "audit.key", back, sizeof back, &err), FK_ERR_KEYPERM);
	assert_msg_has(&err, "audit.key has 2 hard links");
}
END_TEST

/* R-KEYS: keys owned by another user are refused (root can make that happen). */
START_TEST(foreign_owner_refused)
{
	fk_error err;
	if (geteuid() != 0)
		return; /* only root can give a file away */
	create_keys();
	ck_assert_int_eq(chown(kp(MASTER1), 1, 1), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	assert_msg_has(&err, "uid 1");
	ck_assert_int_eq(chown(kp(MASTER1), 0, 0), 0);
	ck_assert_int_eq(chown(kdir, 1, 1), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_KEYPERM);
	ck_assert_int_eq(chown(kdir, 0, 0), 0);
	ck_assert_int_eq(try_open(&err), FK_OK);
}
END_TEST

/* R-KEYS: missing folder or keys are reported as such, telling what to do. */
START_TEST(missing_keys)
{
	fk_error err;
	ck_assert_int_eq(try_open(&err), FK_ERR_NOKEY);
	assert_msg_has(&err, "fukuhonctl init");
	assert_msg_has(&err, kdir);
	ck_assert_int_eq(mkdir(kdir, 0700), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_NOKEY);
	ck_assert_int_eq(rmdir(kdir), 0);
	create_keys();
	ck_assert_int_eq(unlink(kp(MASTER1)), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_NOKEY);
	assert_msg_has(&err, "master");
}
END_TEST

/* R-KEYS: a truncated key file is refused as corrupt, naming the file. */
START_TEST(truncated_is_corrupt)
{
	fk_error err;
	create_keys();
	ck_assert_int_eq(truncate(kp(MASTER1), KEY_FILE_LEN - 1), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_CORRUPT);
	assert_msg_has(&err, kp(MASTER1));
	ck_assert_int_eq(truncate(kp(MASTER1), 0), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_CORRUPT);
}
END_TEST

/* R-KEYS: any changed byte (magic, type, id, key or checksum) is refused as corrupt. */
START_TEST(flipped_bytes_are_corrupt)
{
	fk_error err;
	create_keys();
	for (long off = 0; off < KEY_FILE_LEN; off++) {
		flip_byte(kp("index.key"), off);
		ck_assert_int_eq(try_open(&err), FK_ERR_CORRUPT);
		assert_msg_has(&err, "index.key");
		flip_byte(kp("index.key"), off);
	}
	ck_assert_int_eq(try_open(&err), FK_OK);
	flip_byte(kp(MASTER1), KEY_FILE_LEN - 1); /* the checksum */
	ck_assert_int_eq(try_open(&err), FK_ERR_CORRUPT);
	assert_msg_has(&err, "checksum");
}
END_TEST

/* R-KEYS: a key file renamed to another id is not taken for that key. */
START_TEST(renamed_file_is_corrupt)
{
	fk_error err;
	create_keys();
	ck_assert_int_eq(rename(kp(MASTER1), kp(MASTER2)), 0);
	ck_assert_int_eq(try_open(&err), FK_ERR_CORRUPT);
	assert_msg_has(&err, MASTER2);
}
END_TEST

/* R-KEYS: unknown files that look like keys are refused; other files ignored. */
START_TEST(unknown_key_file_is_corrupt)
{
	fk_error err;
	create_keys();
	FILE *f = fopen(kp("README"), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(try_open(&err), FK_OK);
	const char *bad[] = {"master-1.key", "master-00000000.key", "master-0000000x.key",
			     "backup.key", "master-000000001.key"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int fd = open(kp(bad[i]), O_WRONLY | O_CREAT | O_EXCL, 0600);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(close(fd), 0);
		ck_assert_int_eq(try_open(&err), FK_ERR_CORRUPT);
		assert_msg_has(&err, bad[i]);
		ck_assert_int_eq(unlink(kp(bad[i])), 0);
	}
}
END_TEST

/* R-KEYS, R-ATREST: a data key wrapped under the master key unwraps to itself. */
START_TEST(wrap_round_trip)
{
	fk_error err;
	uint8_t dk[FK_KEY_LEN], back[FK_KEY_LEN], w[FK_WRAPPED_LEN];
	uint32_t kek = 0;
	create_keys();
	fk_keyring *kr = open_keys();
	CK_OK(fk_random(dk, sizeof dk, &err), &err);
	CK_OK(fk_keys_wrap(kr, 42, dk, w, &kek, &err), &err);
	ck_assert_uint_eq(kek, 1);
	ck_assert_ptr_null(memmem(w, sizeof w, dk, 8));
	CK_OK(fk_keys_unwrap(kr, kek, 42, w, sizeof w, back, &err), &err);
	ck_assert_mem_eq(back, dk, FK_KEY_LEN);
	fk_keys_close(kr);
}
END_TEST

/* R-ATREST: a wrapped key moved to another row, altered, cut or under an
 * unknown master key does not unwrap. */
START_TEST(unwrap_refusals)
{
	fk_error err;
	uint8_t dk[FK_KEY_LEN] = {1, 2, 3}, back[FK_KEY_LEN], w[FK_WRAPPED_LEN];
	uint32_t kek = 0;
	create_keys();
	fk_keyring *kr = open_keys();
	CK_OK(fk_keys_wrap(kr, 1, dk, w, &kek, &err), &err);
	ck_assert_int_eq(fk_keys_unwrap(kr, kek, 2, w, sizeof w, back, &err), FK_ERR_TAMPER);
	assert_msg_has(&err, "row 2");
	ck_assert_int_eq(fk_keys_unwrap(kr, kek, -1, w, sizeof w, back, &err), FK_ERR_TAMPER);
	ck_assert_int_eq(fk_keys_unwrap(kr, 7, 1, w, sizeof w, back, &err), FK_ERR_NOKEY);
	ck_assert_int_eq(fk_keys_unwrap(kr, kek, 1, w, sizeof w - 1, back, &err), FK_ERR_CORRUPT);
	w[20] ^= 0x10;
	ck_assert_int_eq(fk_keys_unwrap(kr, kek, 1, w, sizeof w, back, &err), FK_ERR_TAMPER);
	w[20] ^= 0x10;
	CK_OK(fk_keys_unwrap(kr, kek, 1, w, sizeof w, back, &err), &err);
	fk_keys_close(kr);
}
END_TEST

/* R-KEYS: rotation adds master key 2 (0600); old wraps still unwrap, new ones use 2. */
START_TEST(add_master)
{
	fk_error err;
	uint8_t dk[FK_KEY_LEN] = {9}, back[FK_KEY_LEN], w1[FK_WRAPPED_LEN], w2[FK_WRAPPED_LEN];
	uint32_t kek1 = 0, kek2 = 0;
	create_keys();
	fk_keyring *kr = open_keys();
	CK_OK(fk_keys_wrap(kr, 5, dk, w1, &kek1, &err), &err);
	CK_OK(fk_keys_add_master(kr, &err), &err);
	ck_assert_uint_eq(fk_keys_current_id(kr), 2);
	ck_assert_uint_eq(fk_keys_master_count(kr), 2);
	ck_assert_uint_eq(mode_of(kp(MASTER2)), 0600);
	CK_OK(fk_keys_unwrap(kr, kek1, 5, w1, sizeof w1, back, &err), &err);
	ck_assert_mem_eq(back, dk, FK_KEY_LEN);
	CK_OK(fk_keys_wrap(kr, 5, dk, w2, &kek2, &err), &err);
	ck_assert_uint_eq(kek1, 1);
	ck_assert_uint_eq(kek2, 2);
	/* A wrap is bound to its master id too: relabelled, it does not unwrap. */
	ck_assert_int_eq(fk_keys_unwrap(kr, 1, 5, w2, sizeof w2, back, &err), FK_ERR_TAMPER);
	fk_keys_close(kr);
	kr = open_keys(); /* the new key is on disk, not only in memory */
	ck_assert_uint_eq(fk_keys_current_id(kr), 2);
	CK_OK(fk_keys_unwrap(kr, kek2, 5, w2, sizeof w2, back, &err), &err);
	ck_assert_mem_eq(back, dk, FK_KEY_LEN);
	fk_keys_close(kr);
}
END_TEST

/* R-KEYS: retiring removes the old key's file and memory; the current key cannot be retired. */
START_TEST(retire_master)
{
	fk_error err;
	uint8_t dk[FK_KEY_LEN] = {7}, back[FK_KEY_LEN], w1[FK_WRAPPED_LEN];
	uint32_t kek1 = 0;
	create_keys();
	fk_keyring *kr = open_keys();
	CK_OK(fk_keys_wrap(kr, 3, dk, w1, &kek1, &err), &err);
	ck_assert_int_eq(fk_keys_retire_master(kr, 1, &err), FK_ERR_DENIED);
	CK_OK(fk_keys_add_master(kr, &err), &err);
	ck_assert_int_eq(fk_keys_retire_master(kr, 2, &err), FK_ERR_DENIED);
	ck_assert_int_eq(fk_keys_retire_master(kr, 9, &err), FK_ERR_NOTFOUND);
	CK_OK(fk_keys_retire_master(kr, 1, &err), &err);
	ck_assert_int_eq(access(kp(MASTER1), F_OK), -1);
	ck_assert_uint_eq(fk_keys_master_count(kr), 1);
	ck_assert_uint_eq(fk_keys_master_id_at(kr, 0), 2);
	ck_assert_ptr_null(fk_keys_master(kr, 1));
	ck_assert_int_eq(fk_keys_unwrap(kr, kek1, 3, w1, sizeof w1, back, &err), FK_ERR_NOKEY);
	fk_keys_close(kr);
	kr = open_keys();
	ck_assert_uint_eq(fk_keys_master_count(kr), 1);
	ck_assert_uint_eq(fk_keys_current_id(kr), 2);
	fk_keys_close(kr);
}
END_TEST

/* R-KEYS: another process's rotation is seen after reload, and two rotations
 * at once cannot both write the same new key. */
START_TEST(reload_sees_rotation)
{
	fk_error err;
	uint8_t dk[FK_KEY_LEN] = {4}, back[FK_KEY_LEN], w[FK_WRAPPED_LEN];
	uint32_t kek = 0;
	create_keys();
	fk_keyring *a = open_keys(), *b = open_keys();
	CK_OK(fk_keys_add_master(b, &err), &err);
	CK_OK(fk_keys_wrap(b, 11, dk, w, &kek, &err), &err);
	ck_assert_uint_eq(fk_keys_current_id(a), 1);
	ck_assert_int_eq(fk_keys_unwrap(a, kek, 11, w, sizeof w, back, &err), FK_ERR_NOKEY);
	ck_assert_int_eq(fk_keys_add_master(a, &err), FK_ERR_EXISTS);
	ck_assert_uint_eq(fk_keys_current_id(a), 1);
	CK_OK(fk_keys_reload(a, &err), &err);
	ck_assert_uint_eq(fk_keys_current_id(a), 2);
	CK_OK(fk_keys_unwrap(a, kek, 11, w, sizeof w, back, &err), &err);
	ck_assert_mem_eq(back, dk, FK_KEY_LEN);
	/* A failed reload keeps the keys held before. */
	ck_assert_int_eq(chmod(kdir, 0750), 0);
	ck_assert_int_eq(fk_keys_reload(a, &err), FK_ERR_KEYPERM);
	ck_assert_uint_eq(fk_keys_current_id(a), 2);
	CK_OK(fk_keys_unwrap(a, kek, 11, w, sizeof w, back, &err), &err);
	fk_keys_close(a);
	fk_keys_close(b);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("keys");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_then_open);
	tcase_add_test(tc, double_create_refused);
	tcase_add_test(tc, create_in_existing_folder);
	tcase_add_test(tc, folder_mode_refused);
	tcase_add_test(tc, file_mode_refused);
	tcase_add_test(tc, symlink_refused);
	tcase_add_test(tc, non_regular_refused);
	tcase_add_test(tc, hard_link_refused);
	tcase_add_test(tc, foreign_owner_refused);
	tcase_add_test(tc, missing_keys);
	tcase_add_test(tc, truncated_is_corrupt);
	tcase_add_test(tc, flipped_bytes_are_corrupt);
	tcase_add_test(tc, renamed_file_is_corrupt);
	tcase_add_test(tc, unknown_key_file_is_corrupt);
	tcase_add_test(tc, wrap_round_trip);
	tcase_add_test(tc, unwrap_refusals);
	tcase_add_test(tc, add_master);
	tcase_add_test(tc, retire_master);
	tcase_add_test(tc, reload_sees_rotation);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
