/* The sign-in helper's protocol (docs/authd-protocol.md): frames, their checks and the one state
 * machine, compiled into both fukuhon-authd and the core's client. libc only: the helper links
 * nothing of the core. */
#ifndef FK_AUTHD_PROTO_H
#define FK_AUTHD_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The helper's PAM service: a constant of the program, never a word from the client, so a
 * compromised console cannot pick a laxer stack (R-AUTH). */
#define FK_AUTHD_SERVICE "fukuhon"

#define FK_AUTHD_HEADER 3          /* type byte + payload length (16 bits, big-endian) */
#define FK_AUTHD_PAYLOAD_MAX 1024  /* any longer length closes the connection */
#define FK_AUTHD_TEXT_MAX 512      /* a CONV text: PAM_MAX_MSG_SIZE */
#define FK_AUTHD_ANSWER_MAX 511    /* an ANSWER: the core's answers are at most 511 bytes */
#define FK_AUTHD_USER_MAX 64       /* a user name */
#define FK_AUTHD_ITEM_MAX 255      /* PAM_TTY, PAM_RHOST */

enum fk_authd_type {
	FK_AUTHD_START = 0x01,  /* client: op (1 byte), user */
	FK_AUTHD_ITEM = 0x02,   /* client: item (1 PAM_TTY, 2 PAM_RHOST), text */
	FK_AUTHD_STEP = 0x03,   /* client: step (1 byte), flags (int32) */
	FK_AUTHD_ANSWER = 0x04, /* client: the answer to the prompt just sent */
	FK_AUTHD_CANCEL = 0x05, /* client: no answer (the person cancelled, or timed out) */
	FK_AUTHD_END = 0x06,    /* client: pam_end's status (int32) */
	FK_AUTHD_CONV = 0x81,   /* helper: message style (1 byte), text */
	FK_AUTHD_RESULT = 0x82, /* helper: step (1 byte), PAM return code (int32), user */
	FK_AUTHD_DONE = 0x83,   /* helper: the status pam_end was given (int32), user */
};

enum fk_authd_op {
	FK_AUTHD_OP_SIGNIN = 1, /* a console's or fukuhonctl's session: every step, re-authentication */
	FK_AUTHD_OP_CHECK = 2,  /* the first administrator's check: authenticate and account only */
};

/* What a RESULT answers: START and ITEM, then the PAM calls. */
enum fk_authd_step {
	FK_AUTHD_S_START = 1,
	FK_AUTHD_S_ITEM,
	FK_AUTHD_S_AUTHENTICATE,
	FK_AUTHD_S_ACCT_MGMT,
	FK_AUTHD_S_CHAUTHTOK,
	FK_AUTHD_S_SETCRED,
	FK_AUTHD_S_OPEN_SESSION,
	FK_AUTHD_S_CLOSE_SESSION,
};

/* Where a connection stands; both ends move it with every frame sent or received. */
enum fk_authd_state {
	FK_AUTHD_IDLE,    /* before START */
	FK_AUTHD_READY,   /* the client may send ITEM, STEP or END */
	FK_AUTHD_BUSY,    /* a request is being served: CONV frames, then its RESULT */
	FK_AUTHD_PROMPT,  /* a prompt was sent: ANSWER or CANCEL */
	FK_AUTHD_ENDING,  /* END was sent: DONE */
	FK_AUTHD_CLOSED,  /* DONE, or a failed START: nothing more */
	FK_AUTHD_BROKEN,  /* a frame out of place: the connection closes */
};

/* One frame, decoded: text is NUL-terminated (the wire has no NUL in it). */
typedef struct fk_authd_frame {
	uint8_t type;
	uint8_t code;    /* op, item, step or message style */
	int32_t num;     /* flags, return code or status */
	size_t text_len;
	char text[FK_AUTHD_PAYLOAD_MAX + 1];
} fk_authd_frame;

/* Decode one frame from buf (n bytes): 1 with *used set, 0 when more bytes are needed, -1
 * when malformed or oversized (the connection must close). Checks every field's size and
 * range for the frame's type. */
int fk_authd_decode(const uint8_t *buf, size_t n, fk_authd_frame *f, size_t *used);

/* Encode f into buf (at least FK_AUTHD_HEADER + FK_AUTHD_PAYLOAD_MAX bytes): its length, or -1
 * when f would not decode (the same checks). */
int fk_authd_encode(const fk_authd_frame *f, uint8_t *buf, size_t len);

/* Move *st by frame f (type, and style or return code where they matter); returns the new
 * state, FK_AUTHD_BROKEN for a frame out of place. */
enum fk_authd_state fk_authd_next(enum fk_authd_state *st, const fk_authd_frame *f);

/* Send f on fd (no SIGPIPE); 0, or -1 when the peer is gone. The encoded copy is wiped. */
int fk_authd_send(int fd, const fk_authd_frame *f);

/* Receive one frame from fd within timeout_ms (-1: no limit); 0, or -1 on end of input,
 * time-out, an oversized or malformed frame. The raw bytes are wiped. */
int fk_authd_recv(int fd, fk_authd_frame *f, int timeout_ms);

/* A frame with text set (cut never: -1 when text is longer than the frame allows). */
int fk_authd_frame_set(fk_authd_frame *f, uint8_t type, uint8_t code, int32_t num, const char *text);

void fk_authd_frame_wipe(fk_authd_frame *f);

#endif
