/* The sign-in helper's protocol (docs/authd-protocol.md): one source for both ends, so that
 * the helper and the console cannot disagree on a size, a field or an order. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "authd_proto.h"

/* The fields of each type: a code byte, a 32-bit number, the longest text, and whether the
 * text may be empty. Types not listed are malformed. */
struct layout {
	uint8_t type, has_code, has_num, code_lo, code_hi;
	size_t text_max;
	int text_needed;
};

static const struct layout layouts[] = {
	{FK_AUTHD_START, 1, 0, FK_AUTHD_OP_SIGNIN, FK_AUTHD_OP_CHECK, FK_AUTHD_USER_MAX, 1},
	{FK_AUTHD_ITEM, 1, 0, 1, 2, FK_AUTHD_ITEM_MAX, 0},
	{FK_AUTHD_STEP, 1, 1, FK_AUTHD_S_AUTHENTICATE, FK_AUTHD_S_CLOSE_SESSION, 0, 0},
	{FK_AUTHD_ANSWER, 0, 0, 0, 0, FK_AUTHD_ANSWER_MAX, 0},
	{FK_AUTHD_CANCEL, 0, 0, 0, 0, 0, 0},
	{FK_AUTHD_END, 0, 1, 0, 0, 0, 0},
	{FK_AUTHD_CONV, 1, 0, 1, 4, FK_AUTHD_TEXT_MAX, 0}, /* PAM_PROMPT_ECHO_OFF .. PAM_TEXT_INFO */
	{FK_AUTHD_RESULT, 1, 1, FK_AUTHD_S_START, FK_AUTHD_S_CLOSE_SESSION, FK_AUTHD_USER_MAX, 0},
	{FK_AUTHD_DONE, 0, 1, 0, 0, FK_AUTHD_USER_MAX, 0},
};

static const struct layout *layout_of(uint8_t type)
{
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
		if (layouts[i].type == type)
			return &layouts[i];
	return NULL;
}

int fk_authd_decode(const uint8_t *buf, size_t n, fk_authd_frame *f, size_t *used)
{
	if (n < FK_AUTHD_HEADER)
		return 0;
	size_t len = (size_t)buf[1] << 8 | buf[2];
	const struct layout *l = layout_of(buf[0]);
	if (!l || len > FK_AUTHD_PAYLOAD_MAX)
		return -1;
	if (n < FK_AUTHD_HEADER + len)
		return 0;
	const uint8_t *p = buf + FK_AUTHD_HEADER;
	size_t fixed = (size_t)l->has_code + (l->has_num ? 4u : 0u);
	if (len < fixed || len - fixed > l->text_max || (l->text_needed && len == fixed))
		return -1;
	memset(f, 0, sizeof *f);
	f->type = buf[0];
	if (l->has_code) {
		f->code = *p++;
		if (f->code < l->code_lo || f->code > l->code_hi)
			return -1;
	}
	if (l->has_num) {
		f->num = (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
		p += 4;
	}
	f->text_len = len - fixed;
	if (memchr(p, '\0', f->text_len)) /* a NUL would cut the text the other end sees */
		return -1;
	memcpy(f->text, p, f->text_len);
	f->text[f->text_len] = '\0';
	*used = FK_AUTHD_HEADER + len;
	return 1;
}

int fk_authd_encode(const fk_authd_frame *f, uint8_t *buf, size_t len)
{
	const struct layout *l = layout_of(f->type);
	if (!l || len < FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX || f->text_len > l->text_max ||
	    (l->text_needed && !f->text_len) || (l->has_code && (f->code < l->code_lo || f->code > l->code_hi)) ||
	    memchr(f->text, '\0', f->text_len))
		return -1;
	uint8_t *p = buf + FK_AUTHD_HEADER;
	if (l->has_code)
		*p++ = f->code;
	if (l->has_num) {
		uint32_t v = (uint32_t)f->num;
		*p++ = (uint8_t)(v >> 24), *p++ = (uint8_t)(v >> 16), *p++ = (uint8_t)(v >> 8), *p++ = (uint8_t)v;
	}
	memcpy(p, f->text, f->text_len);
	size_t n = (size_t)(p - buf - FK_AUTHD_HEADER) + f->text_len;
	buf[0] = f->type;
	buf[1] = (uint8_t)(n >> 8);
	buf[2] = (uint8_t)n;
	return (int)(FK_AUTHD_HEADER + n);
}

enum fk_authd_state fk_authd_next(enum fk_authd_state *st, const fk_authd_frame *f)
{
	enum fk_authd_state s = *st, to = FK_AUTHD_BROKEN;
	int prompt = f->code == 1 || f->code == 2; /* PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON */
	switch (f->type) {
	case FK_AUTHD_START:
		to = s == FK_AUTHD_IDLE ? FK_AUTHD_BUSY : to;
		break;
	case FK_AUTHD_ITEM:
	case FK_AUTHD_STEP:
		to = s == FK_AUTHD_READY ? FK_AUTHD_BUSY : to;
		break;
	case FK_AUTHD_END:
		to = s == FK_AUTHD_READY ? FK_AUTHD_ENDING : to;
		break;
	case FK_AUTHD_CONV:
		to = s == FK_AUTHD_BUSY ? (prompt ? FK_AUTHD_PROMPT : FK_AUTHD_BUSY) : to;
		break;
	case FK_AUTHD_ANSWER:
	case FK_AUTHD_CANCEL:
		to = s == FK_AUTHD_PROMPT ? FK_AUTHD_BUSY : to;
		break;
	case FK_AUTHD_RESULT:
		/* A START that failed leaves no PAM handle: nothing more can follow. */
		if (s == FK_AUTHD_BUSY)
			to = f->code == FK_AUTHD_S_START && f->num != 0 ? FK_AUTHD_CLOSED : FK_AUTHD_READY;
		break;
	case FK_AUTHD_DONE:
		to = s == FK_AUTHD_ENDING ? FK_AUTHD_CLOSED : to;
		break;
	default:
		break;
	}
	return *st = to;
}

int fk_authd_frame_set(fk_authd_frame *f, uint8_t type, uint8_t code, int32_t num, const char *text)
{
	size_t n = text ? strlen(text) : 0;
	memset(f, 0, offsetof(fk_authd_frame, text));
	f->type = type, f->code = code, f->num = num;
	if (n > FK_AUTHD_PAYLOAD_MAX - 5)
		return -1;
	memcpy(f->text, text ? text : "", n + 1);
	f->text_len = n;
	return 0;
}

void fk_authd_frame_wipe(fk_authd_frame *f)
{
	explicit_bzero(f, sizeof *f);
}

int fk_authd_send(int fd, const fk_authd_frame *f)
{
	uint8_t buf[FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX];
	int n = fk_authd_encode(f, buf, sizeof buf), rc = n < 0 ? -1 : 0;
	for (int off = 0; rc == 0 && off < n;) {
		ssize_t w = send(fd, buf + off, (size_t)(n - off), MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			rc = -1;
		else
			off += (int)w;
	}
	explicit_bzero(buf, sizeof buf);
	return rc;
}

/* Exactly n bytes, each wait within timeout_ms. */
static int read_full(int fd, uint8_t *p, size_t n, int timeout_ms)
{
	while (n > 0) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int r = poll(&pfd, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		ssize_t got = read(fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return -1;
		p += got, n -= (size_t)got;
	}
	return 0;
}

int fk_authd_recv(int fd, fk_authd_frame *f, int timeout_ms)
{
	uint8_t buf[FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX];
	size_t used = 0, len;
	int rc = -1;
	/* The header first: a length over the limit closes before any payload is read. */
	if (read_full(fd, buf, FK_AUTHD_HEADER, timeout_ms) == 0 &&
	    (len = (size_t)buf[1] << 8 | buf[2]) <= FK_AUTHD_PAYLOAD_MAX &&
	    read_full(fd, buf + FK_AUTHD_HEADER, len, timeout_ms) == 0)
		rc = fk_authd_decode(buf, FK_AUTHD_HEADER + len, f, &used) == 1 ? 0 : -1;
	explicit_bzero(buf, sizeof buf);
	return rc;
}
