/* libFuzzer harness: fukuhon-authd's frames (docs/authd-protocol.md) on any bytes, as both the
 * helper and the console decode them. A frame that decodes encodes back to the same bytes,
 * stays within its limits, and moves the state machine only to a state it names; the reading
 * path (header first, then payload) agrees with the decoder and never reads past a frame. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "authd_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_frame(const uint8_t *raw, size_t used, const fk_authd_frame *f, enum fk_authd_state *st)
{
	uint8_t again[FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX];
	if (used < FK_AUTHD_HEADER || used > sizeof again || f->text_len > FK_AUTHD_TEXT_MAX ||
	    strlen(f->text) != f->text_len)
		abort();
	int n = fk_authd_encode(f, again, sizeof again);
	if (n < 0 || (size_t)n != used || memcmp(again, raw, used))
		abort();
	enum fk_authd_state to = fk_authd_next(st, f);
	if (to != *st || to > FK_AUTHD_BROKEN)
		abort();
	if (to == FK_AUTHD_BROKEN || to == FK_AUTHD_CLOSED)
		*st = FK_AUTHD_READY; /* go on from somewhere the next frame may fit */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* The first byte: the state to start in. */
	enum fk_authd_state st = (enum fk_authd_state)(data[0] % (FK_AUTHD_BROKEN + 1));
	const uint8_t *p = data + 1;
	size_t left = size - 1, used;
	fk_authd_frame f;
	int r;
	while ((r = fk_authd_decode(p, left, &f, &used)) == 1) {
		if (used > left)
			abort();
		check_frame(p, used, &f, &st);
		p += used, left -= used;
	}
	/* The same bytes through the socket reader: as many frames, then an end. */
	int sv[2];
	if (size - 1 > 65536 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return 0;
	size_t want = (size_t)(p - (data + 1));
	if (write(sv[0], data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(sv[0]), close(sv[1]);
		return 0;
	}
	close(sv[0]);
	size_t got = 0;
	while (fk_authd_recv(sv[1], &f, 0) == 0) {
		uint8_t enc[FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX];
		int n = fk_authd_encode(&f, enc, sizeof enc);
		if (n < 0)
			abort();
		got += (size_t)n;
	}
	close(sv[1]);
	if (got != want)
		abort();
	fk_authd_frame_wipe(&f);
	return 0;
}
