/*
 * The libmilter shim's shared declarations (see api.c for what it is). Files:
 *   events.c     events for JavaScript: building them, the bounded queue, the wake-up pipe, fg_poll
 *   sessions.c   the session table, waiting for JavaScript's answer, applying it, the fail mode in C, fg_reply
 *   callbacks.c  the libmilter callbacks: each turns its arguments into an event
 *   own-headers.c  Floodgate's own headers counted per session, removed when the fail mode applies in C
 *   api.c        starting, reloading and stopping libmilter: the rest of the API koffi calls
 * Everything is hidden (-fvisibility=hidden) except the fg_* functions marked FG_API.
 *
 * Event layout (little-endian), one after another in fg_poll's buffer:
 *   u32 total length, u32 slot, u32 generation, u32 sequence, u8 type, u8 flags (1: an answer is awaited), u16 count,
 *   then `count` fields, each u32 length + bytes.
 * Modification layout for fg_reply, one after another:
 *   u8 kind (the SMFIR_* letter), u32 index, u32 length + bytes + NUL, u32 length + bytes + NUL.
 */
#ifndef FLOODGATE_SHIM_H
#define FLOODGATE_SHIM_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/un.h>
#include <libmilter/mfapi.h>


#define FG_API __attribute__((visibility("default")))

/* Event types, mirrored in src/engine/libmilter/events.ts. */
enum {
	FG_EV_NEGOTIATE = 1,
	FG_EV_CONNECT,
	FG_EV_HELO,
	FG_EV_MAIL,
	FG_EV_RCPT,
	FG_EV_DATA,
	FG_EV_HEADER,
	FG_EV_EOH,
	FG_EV_BODY,
	FG_EV_EOM,
	FG_EV_ABORT,
	FG_EV_CLOSE,
	FG_EV_UNKNOWN,
	FG_EV_TIMEOUT,
	FG_EV_STOPPED,
	FG_EV_REFUSED,
};
#define FG_FLAG_WANTS_REPLY 1

/* Bytes of events queued for JavaScript; header and body events wait while more are queued (events.c). */
#define FG_QUEUE_LIMIT ((size_t) 16 << 20)
/* The longest status header name kept (a header field name is at most a line). */
#define FG_HEADER_MAX 128
/* The longest fail-mode label (reason, reply text, status value) kept from fg_start. */
#define FG_LABEL_MAX 256
/* Event types are below this. */
#define FG_EV_MAX 32

/*
 * What the fail mode in C says for one event type, handed over by JavaScript at start from its registry of failure
 * reasons (src/vocabulary/fail-reasons.ts): the reason, the tempfail reply, the status header value.
 */
struct fg_fail_label {
	char reason[FG_LABEL_MAX], rcode[4], xcode[16], text[FG_LABEL_MAX], status[FG_LABEL_MAX];
};

typedef struct fg_event {
	struct fg_event *next;
	uint32_t len;
	unsigned char data[];
} fg_event;
#define FG_EVENT_DATA offsetof(fg_event, data)

typedef struct fg_session {
	uint32_t slot, gen;
	SMFICTX *ctx;
	pthread_cond_t cond;
	uint32_t seq;        /* the sequence number of the event awaiting an answer */
	int waiting;         /* an answer to `seq` is awaited */
	int answered;
	int status;          /* SMFIS_* */
	char *reply;         /* rcode\0xcode\0line\0line\0... */
	size_t reply_len;
	unsigned char *mods;
	size_t mods_len;
	unsigned long actions, protocol; /* negotiated */
	int in_txn;
	char status_header[FG_HEADER_MAX]; /* the status header name when the transaction began (cfg may change) */
	struct fg_own_entry *own;      /* incoming headers of Floodgate's names: open addressing, by lowercased name */
	uint32_t own_cap, own_used, *own_order;
} fg_session;

/* One of Floodgate's header names seen in the transaction, and how many times. */
typedef struct fg_own_entry {
	char *name;
	uint32_t count;
} fg_own_entry;

/* Settings from fg_start (api.c). */
struct fg_config {
	uint32_t decide_mask;   /* bit (1 << type): the policy decides at that stage */
	unsigned long actions, protocol;
	char *macros[7];        /* per SMFIM_* stage, space separated, for smfi_setsymlist */
	char **query;           /* macro names sent to JavaScript with each event */
	int nquery;
	/* These five may change while sessions run (fg_update): read and written under `lock`. */
	int cmd_safety_ms, eom_safety_ms, progress_ms;
	int fail_tempfail;
	char status_header[FG_HEADER_MAX]; /* empty: no header */
	uint32_t max_sessions;
	struct fg_fail_label fail[FG_EV_MAX]; /* by event type; set at start, never changed */
};

/* Guards everything shared between libmilter's threads and JavaScript's calls. */
extern pthread_mutex_t lock;
extern struct fg_config cfg;
extern int run_state;     /* 0 idle, 1 running, 2 stopped (api.c) */
extern int draining;      /* refuse new sessions: a shutdown is waiting for the open ones (api.c) */
extern int notify_fd;     /* the write end of the wake-up pipe (events.c) */
extern uint32_t active;   /* sessions open (sessions.c) */
extern struct smfiDesc shim_desc;

/* ---- events.c ---- */
typedef struct {
	unsigned char *buf;
	size_t len, cap;
	uint16_t count;
	int oom;
} builder;
void b_u32(builder *b, uint32_t v);
void b_field(builder *b, const void *data, size_t len);
void b_str(builder *b, const char *s);
void b_start(builder *b);
void b_macros(builder *b, SMFICTX *ctx);
void enqueue_locked(builder *b, fg_session *s, uint32_t seq, int type, int flags);
void post(fg_session *s, builder *b, int type);
void add_ms(struct timespec *ts, int ms);

/* ---- sessions.c ---- */
fg_session *session_of(SMFICTX *ctx);
fg_session *session_new(SMFICTX *ctx);
void session_close(fg_session *s);
sfsistat deliver(fg_session *s, builder *b, int type);

/* ---- own-headers.c ---- */
void own_see(fg_session *s, const char *name);
void own_reset(fg_session *s);
void own_free(fg_session *s);
void own_apply(fg_session *s, const char *value);

#endif
