/*
 * The bridge between libmilter and Floodgate's JavaScript (src/engine/libmilter/). libmilter calls its callbacks on
 * its own threads and wants each callback's status as its return value; JavaScript has one thread and must never
 * block. So each callback copies its arguments into an event, queues it, wakes JavaScript through a pipe, and (when
 * an answer is needed) waits on its session's condition variable. JavaScript drains the queue with fg_poll() and
 * answers with fg_reply(); both return at once. The answer (status, SMTP reply text, end-of-message modifications)
 * is applied here, on the libmilter thread, before the callback returns. If JavaScript does not answer within the
 * safety timeout, the configured fail mode applies here, in C.
 *
 * libmilter keeps global state: one smfi_main per process, so one libmilter engine per process. Debian builds it with
 * _FFR_WORKERS_POOL: a controller thread polls the idle sessions and hands ready ones to a pool of worker threads
 * that grows on demand, so a callback waiting here holds one worker, never the others.
 *
 * Event layout (little-endian), one after another in fg_poll's buffer:
 *   u32 total length, u32 slot, u32 generation, u32 sequence, u8 type, u8 flags (1: an answer is awaited), u16 count,
 *   then `count` fields, each u32 length + bytes.
 * Modification layout for fg_reply, one after another:
 *   u8 kind (the SMFIR_* letter), u32 index, u32 length + bytes + NUL, u32 length + bytes + NUL.
 */
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
#include "listen-nodelay.h"

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

/* The protocol's no-reply bit of each event type (0: none). */
static unsigned long nr_bit(int type)
{
	switch (type) {
	case FG_EV_CONNECT: return SMFIP_NR_CONN;
	case FG_EV_HELO: return SMFIP_NR_HELO;
	case FG_EV_MAIL: return SMFIP_NR_MAIL;
	case FG_EV_RCPT: return SMFIP_NR_RCPT;
	case FG_EV_DATA: return SMFIP_NR_DATA;
	case FG_EV_HEADER: return SMFIP_NR_HDR;
	case FG_EV_EOH: return SMFIP_NR_EOH;
	case FG_EV_BODY: return SMFIP_NR_BODY;
	case FG_EV_UNKNOWN: return SMFIP_NR_UNKN;
	default: return 0;
	}
}

static const char *stage_name(int type)
{
	switch (type) {
	case FG_EV_CONNECT: return "connect";
	case FG_EV_HELO: return "helo";
	case FG_EV_MAIL: return "mail";
	case FG_EV_RCPT: return "rcpt";
	case FG_EV_DATA: return "data";
	case FG_EV_HEADER: return "header";
	case FG_EV_EOH: return "eoh";
	case FG_EV_BODY: return "body";
	case FG_EV_EOM: return "eom";
	case FG_EV_UNKNOWN: return "unknown";
	default: return "other";
	}
}

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
} fg_session;

/* Everything below is guarded by `lock`. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static fg_event *queue_head, *queue_tail;
/* Bytes of events queued for JavaScript; header and body events wait while it is over FG_QUEUE_LIMIT. */
static size_t queued_bytes, queued_peak;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;
#define FG_QUEUE_LIMIT ((size_t) 16 << 20)
static fg_session **slots;
static uint32_t nslots, *free_slots, nfree, active;
static uint32_t next_gen = 1;
static int notify_fd = -1;
static int state; /* 0 idle, 1 running, 2 stopped */
static int draining; /* refuse new sessions: a shutdown is waiting for the open ones */
static pthread_t main_thread;

/* Settings from fg_start. */
static struct {
	uint32_t decide_mask;   /* bit (1 << type): the policy decides at that stage */
	unsigned long actions, protocol;
	char *macros[7];        /* per SMFIM_* stage, space separated, for smfi_setsymlist */
	char **query;           /* macro names sent to JavaScript with each event */
	int nquery;
	int cmd_safety_ms, eom_safety_ms, progress_ms;
	int fail_tempfail;
	char *status_header;
	uint32_t max_sessions;
} cfg;

/* ---- building events ---- */

typedef struct {
	unsigned char *buf;
	size_t len, cap;
	uint16_t count;
	int oom;
} builder;

static void b_reserve(builder *b, size_t more)
{
	if (b->oom || b->len + more <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	unsigned char *n = realloc(b->buf, cap);
	if (n == NULL) {
		b->oom = 1;
		return;
	}
	b->buf = n;
	b->cap = cap;
}

static void b_u32(builder *b, uint32_t v)
{
	b_reserve(b, 4);
	if (b->oom)
		return;
	memcpy(b->buf + b->len, &v, 4); /* little-endian hosts only (x86-64, arm64) */
	b->len += 4;
}

static void b_field(builder *b, const void *data, size_t len)
{
	b_u32(b, (uint32_t) len);
	b_reserve(b, len);
	if (b->oom)
		return;
	if (len > 0)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->count++;
}

static void b_str(builder *b, const char *s)
{
	b_field(b, s ? s : "", s ? strlen(s) : 0);
}

/* Start an event: header placeholders filled by b_finish. */
static void b_start(builder *b)
{
	memset(b, 0, sizeof *b);
	b_reserve(b, FG_EVENT_DATA + 20);
	b->len = FG_EVENT_DATA + 20;
}

/* The macros JavaScript may read, as one field of name\0value\0 pairs: what libmilter sees at this stage. */
static void b_macros(builder *b, SMFICTX *ctx)
{
	builder m;
	memset(&m, 0, sizeof m);
	for (int i = 0; i < cfg.nquery; i++) {
		char *v = smfi_getsymval(ctx, cfg.query[i]);
		if (v == NULL)
			continue;
		size_t nl = strlen(cfg.query[i]) + 1, vl = strlen(v) + 1;
		b_reserve(&m, nl + vl);
		if (m.oom)
			break;
		memcpy(m.buf + m.len, cfg.query[i], nl);
		memcpy(m.buf + m.len + nl, v, vl);
		m.len += nl + vl;
	}
	b_field(b, m.buf, m.len);
	free(m.buf);
}

static void notify(void)
{
	static const char one = 1;
	if (notify_fd >= 0) {
		ssize_t r = write(notify_fd, &one, 1);
		(void) r; /* EAGAIN: the pipe already holds a wake-up */
	}
}

/* Queue an event; `lock` must be held. */
static void enqueue_locked(builder *b, fg_session *s, uint32_t seq, int type, int flags)
{
	if (b->oom) {
		free(b->buf);
		return;
	}
	fg_event *ev = (fg_event *) b->buf;
	ev->next = NULL;
	ev->len = (uint32_t) (b->len - FG_EVENT_DATA);
	unsigned char *h = ev->data;
	uint32_t words[4] = { ev->len, s ? s->slot : 0, s ? s->gen : 0, seq };
	memcpy(h, words, 16);
	h[16] = (unsigned char) type;
	h[17] = (unsigned char) flags;
	memcpy(h + 18, &b->count, 2);
	int was_empty = queue_head == NULL;
	queued_bytes += ev->len;
	if (queued_bytes > queued_peak)
		queued_peak = queued_bytes;
	if (queue_tail)
		queue_tail->next = ev;
	else
		queue_head = ev;
	queue_tail = ev;
	if (was_empty)
		notify();
}

/* ---- sessions ---- */

static fg_session *session_of(SMFICTX *ctx)
{
	return (fg_session *) smfi_getpriv(ctx);
}

static fg_session *session_new(SMFICTX *ctx)
{
	fg_session *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	pthread_cond_init(&s->cond, NULL);
	s->ctx = ctx;
	pthread_mutex_lock(&lock);
	if (nfree == 0) {
		uint32_t n = nslots ? nslots * 2 : 64;
		fg_session **ns = realloc(slots, n * sizeof *ns);
		uint32_t *nf = ns ? realloc(free_slots, n * sizeof *nf) : NULL;
		if (ns)
			slots = ns;
		if (nf == NULL) {
			pthread_mutex_unlock(&lock);
			pthread_cond_destroy(&s->cond);
			free(s);
			return NULL;
		}
		free_slots = nf;
		for (uint32_t i = n; i > nslots; i--)
			free_slots[nfree++] = i - 1;
		for (uint32_t i = nslots; i < n; i++)
			slots[i] = NULL;
		nslots = n;
	}
	s->slot = free_slots[--nfree];
	s->gen = next_gen++;
	slots[s->slot] = s;
	active++;
	pthread_mutex_unlock(&lock);
	smfi_setpriv(ctx, s);
	return s;
}

static void session_clear_answer(fg_session *s)
{
	free(s->reply);
	free(s->mods);
	s->reply = NULL;
	s->mods = NULL;
	s->reply_len = s->mods_len = 0;
}

static void add_ms(struct timespec *ts, int ms);

/*
 * Post an event that needs no answer. While JavaScript is behind by more than FG_QUEUE_LIMIT bytes, the libmilter
 * thread waits for it to catch up, so a large message is never buffered here without bound.
 */
static void post(fg_session *s, builder *b, int type)
{
	pthread_mutex_lock(&lock);
	while (queued_bytes > FG_QUEUE_LIMIT && state == 1) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		add_ms(&until, 100);
		pthread_cond_timedwait(&drained, &lock, &until);
	}
	enqueue_locked(b, s, 0, type, 0);
	pthread_mutex_unlock(&lock);
}

static void add_ms(struct timespec *ts, int ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Set the reply text JavaScript gave: rcode, xcode, then 1 to 32 lines. */
static void apply_reply(fg_session *s)
{
	if (s->reply == NULL || s->reply_len == 0)
		return;
	char *parts[35] = { 0 };
	int n = 0;
	char *p = s->reply, *end = s->reply + s->reply_len;
	while (p < end && n < 35) {
		parts[n++] = p;
		p += strlen(p) + 1;
	}
	if (n < 3)
		return;
	if (n == 3)
		smfi_setreply(s->ctx, parts[0], parts[1], parts[2]);
	else
		smfi_setmlreply(s->ctx, parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], parts[7],
			parts[8], parts[9], parts[10], parts[11], parts[12], parts[13], parts[14], parts[15], parts[16],
			parts[17], parts[18], parts[19], parts[20], parts[21], parts[22], parts[23], parts[24], parts[25],
			parts[26], parts[27], parts[28], parts[29], parts[30], parts[31], parts[32], parts[33], (char *) NULL);
}

static uint32_t rd32(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* Apply end-of-message modifications on this (the libmilter) thread. Returns how many libmilter refused. */
static int apply_mods(fg_session *s)
{
	int failed = 0;
	const unsigned char *p = s->mods, *end = s->mods + s->mods_len;
	while (p && p + 9 <= end) {
		int kind = p[0];
		uint32_t index = rd32(p + 1), l1 = rd32(p + 5);
		if (p + 9 + l1 + 1 + 4 > end)
			break;
		char *f1 = (char *) p + 9;
		uint32_t l2 = rd32(p + 9 + l1 + 1);
		if (p + 9 + l1 + 1 + 4 + l2 + 1 > end)
			break;
		char *f2 = (char *) p + 9 + l1 + 1 + 4;
		p += 9 + l1 + 1 + 4 + l2 + 1;
		int r = MI_FAILURE;
		switch (kind) {
		case 'h': r = smfi_addheader(s->ctx, f1, f2); break;
		case 'i': r = smfi_insheader(s->ctx, (int) index, f1, f2); break;
		case 'm': r = smfi_chgheader(s->ctx, f1, (int) index, l2 ? f2 : NULL); break;
		case 'e': r = smfi_chgfrom(s->ctx, f1, l2 ? f2 : NULL); break;
		case '+': r = smfi_addrcpt(s->ctx, f1); break;
		case '2': r = smfi_addrcpt_par(s->ctx, f1, l2 ? f2 : NULL); break;
		case '-': r = smfi_delrcpt(s->ctx, f1); break;
		case 'b': r = smfi_replacebody(s->ctx, (unsigned char *) f1, (int) l1); break;
		case 'q': r = smfi_quarantine(s->ctx, f1); break;
		}
		if (r != MI_SUCCESS)
			failed++;
	}
	return failed;
}

/* The fail mode, in C, when JavaScript did not answer in time. */
static sfsistat fail_mode(fg_session *s, int type)
{
	char reason[64];
	snprintf(reason, sizeof reason, "%s-safety-timeout", stage_name(type));
	builder b;
	b_start(&b);
	b_str(&b, reason);
	post(s, &b, FG_EV_TIMEOUT);
	if (cfg.fail_tempfail) {
		char text[128];
		snprintf(text, sizeof text, "Floodgate: %s, try again later", reason);
		smfi_setreply(s->ctx, "451", "4.7.1", text);
		return SMFIS_TEMPFAIL;
	}
	if (type == FG_EV_EOM && cfg.status_header && (s->actions & SMFIF_ADDHDRS)) {
		char value[96];
		snprintf(value, sizeof value, "%sskipped; reason=%s", (s->protocol & SMFIP_HDR_LEADSPC) ? " " : "", reason);
		smfi_addheader(s->ctx, cfg.status_header, value);
	}
	return SMFIS_CONTINUE;
}

/*
 * Post an event; if the policy decides at this stage (or at end of message), wait for the answer and apply it.
 * Stages promised no reply return SMFIS_NOREPLY without waiting.
 */
static sfsistat deliver(fg_session *s, builder *b, int type)
{
	unsigned long nr = nr_bit(type);
	int no_reply = nr != 0 && (s->protocol & nr) != 0;
	int wants = type == FG_EV_EOM || (!no_reply && (cfg.decide_mask & (1u << type)) != 0);
	if (!wants) {
		post(s, b, type);
		return no_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	}
	int safety = type == FG_EV_EOM ? cfg.eom_safety_ms : cfg.cmd_safety_ms;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	add_ms(&deadline, safety);

	pthread_mutex_lock(&lock);
	s->seq++;
	s->waiting = 1;
	s->answered = 0;
	session_clear_answer(s);
	enqueue_locked(b, s, s->seq, type, FG_FLAG_WANTS_REPLY);
	int timed_out = 0;
	while (!s->answered) {
		struct timespec until = deadline;
		int progress = type == FG_EV_EOM && cfg.progress_ms > 0;
		if (progress) {
			struct timespec slice;
			clock_gettime(CLOCK_REALTIME, &slice);
			add_ms(&slice, cfg.progress_ms);
			if (slice.tv_sec < until.tv_sec || (slice.tv_sec == until.tv_sec && slice.tv_nsec < until.tv_nsec))
				until = slice;
			else
				progress = 0;
		}
		int r = pthread_cond_timedwait(&s->cond, &lock, &until);
		if (r == ETIMEDOUT && !s->answered) {
			if (!progress) {
				timed_out = 1;
				break;
			}
			pthread_mutex_unlock(&lock);
			smfi_progress(s->ctx);
			pthread_mutex_lock(&lock);
		}
	}
	s->waiting = 0;
	pthread_mutex_unlock(&lock);
	if (timed_out)
		return fail_mode(s, type);

	sfsistat status = s->status;
	if (status != SMFIS_CONTINUE && status != SMFIS_REJECT && status != SMFIS_DISCARD && status != SMFIS_ACCEPT &&
		status != SMFIS_TEMPFAIL)
		status = SMFIS_CONTINUE;
	if (type == FG_EV_EOM)
		apply_mods(s);
	if (status == SMFIS_REJECT || status == SMFIS_TEMPFAIL)
		apply_reply(s);
	session_clear_answer(s);
	return status;
}

/* ---- libmilter callbacks ---- */

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
	unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void) f2, (void) f3;
	fg_session *s = session_of(ctx);
	if (s == NULL) {
		pthread_mutex_lock(&lock);
		int full = draining || (cfg.max_sessions > 0 && active >= cfg.max_sessions);
		if (full && !draining) {
			builder b;
			b_start(&b);
			enqueue_locked(&b, NULL, 0, FG_EV_REFUSED, 0);
		}
		pthread_mutex_unlock(&lock);
		if (full)
			return SMFIS_REJECT; /* libmilter closes the connection */
		s = session_new(ctx);
		if (s == NULL)
			return SMFIS_REJECT;
	}
	/*
	 * f1 includes the NR_* bits libmilter can fake: libmilter leaves those the MTA did not offer out of its reply
	 * and answers `continue` for them itself, so the MTA sees the same mask as from the TypeScript engine.
	 */
	unsigned long actions = cfg.actions & f0;
	int macros = 0;
	for (int i = 0; i < 7; i++)
		if (cfg.macros[i] != NULL)
			macros = 1;
	if (macros && (f0 & SMFIF_SETSYMLIST)) {
		actions |= SMFIF_SETSYMLIST;
		for (int i = 0; i < 7; i++)
			if (cfg.macros[i] != NULL)
				smfi_setsymlist(ctx, i, cfg.macros[i]);
	}
	s->actions = actions;
	s->protocol = cfg.protocol & f1;
	*pf0 = actions;
	*pf1 = s->protocol;
	*pf2 = 0;
	*pf3 = 0;
	builder b;
	b_start(&b);
	b_u32(&b, 4);
	b_u32(&b, (uint32_t) s->actions);
	b.count++;
	b_u32(&b, 4);
	b_u32(&b, (uint32_t) s->protocol);
	b.count++;
	b_u32(&b, 4);
	b_u32(&b, (uint32_t) f0);
	b.count++;
	b_u32(&b, 4);
	b_u32(&b, (uint32_t) f1);
	b.count++;
	post(s, &b, FG_EV_NEGOTIATE);
	return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	char family[2] = "U", port[8] = "", address[INET6_ADDRSTRLEN + 108] = "";
	if (addr != NULL) {
		if (addr->sa_family == AF_INET) {
			struct sockaddr_in *in = (struct sockaddr_in *) addr;
			family[0] = '4';
			inet_ntop(AF_INET, &in->sin_addr, address, sizeof address);
			snprintf(port, sizeof port, "%u", ntohs(in->sin_port));
		} else if (addr->sa_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) addr;
			family[0] = '6';
			inet_ntop(AF_INET6, &in6->sin6_addr, address, sizeof address);
			snprintf(port, sizeof port, "%u", ntohs(in6->sin6_port));
		} else if (addr->sa_family == AF_UNIX) {
			family[0] = 'L';
			snprintf(address, sizeof address, "%s", ((struct sockaddr_un *) addr)->sun_path);
		}
	}
	builder b;
	b_start(&b);
	b_str(&b, host);
	b_str(&b, family);
	b_str(&b, port);
	b_str(&b, address);
	b_macros(&b, ctx);
	return deliver(s, &b, FG_EV_CONNECT);
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	builder b;
	b_start(&b);
	b_str(&b, helo);
	b_macros(&b, ctx);
	return deliver(s, &b, FG_EV_HELO);
}

static sfsistat envelope(SMFICTX *ctx, char **argv, int type)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	if (type == FG_EV_MAIL)
		s->in_txn = 1;
	builder b;
	b_start(&b);
	b_macros(&b, ctx);
	for (int i = 0; argv && argv[i]; i++)
		b_str(&b, argv[i]);
	return deliver(s, &b, type);
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
	return envelope(ctx, argv, FG_EV_MAIL);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
	return envelope(ctx, argv, FG_EV_RCPT);
}

static sfsistat stage_only(SMFICTX *ctx, int type)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	builder b;
	b_start(&b);
	b_macros(&b, ctx);
	sfsistat r = deliver(s, &b, type);
	if (type == FG_EV_EOM)
		s->in_txn = 0;
	return r;
}

static sfsistat cb_data(SMFICTX *ctx)
{
	return stage_only(ctx, FG_EV_DATA);
}

static sfsistat cb_eoh(SMFICTX *ctx)
{
	return stage_only(ctx, FG_EV_EOH);
}

static sfsistat cb_eom(SMFICTX *ctx)
{
	return stage_only(ctx, FG_EV_EOM);
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	builder b;
	b_start(&b);
	b_str(&b, name);
	b_str(&b, value);
	return deliver(s, &b, FG_EV_HEADER);
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	builder b;
	b_start(&b);
	b_field(&b, chunk, len);
	return deliver(s, &b, FG_EV_BODY);
}

static sfsistat cb_unknown(SMFICTX *ctx, const char *cmd)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	builder b;
	b_start(&b);
	b_str(&b, cmd);
	b_macros(&b, ctx);
	return deliver(s, &b, FG_EV_UNKNOWN);
}

static sfsistat cb_abort(SMFICTX *ctx)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	s->in_txn = 0;
	builder b;
	b_start(&b);
	post(s, &b, FG_EV_ABORT);
	return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
	fg_session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_CONTINUE;
	smfi_setpriv(ctx, NULL);
	builder b;
	b_start(&b);
	pthread_mutex_lock(&lock);
	enqueue_locked(&b, s, 0, FG_EV_CLOSE, 0);
	slots[s->slot] = NULL;
	free_slots[nfree++] = s->slot;
	active--;
	pthread_mutex_unlock(&lock);
	session_clear_answer(s);
	pthread_cond_destroy(&s->cond);
	free(s);
	return SMFIS_CONTINUE;
}

static struct smfiDesc shim_desc = {
	"floodgate", SMFI_VERSION, 0,
	cb_connect, cb_helo, cb_envfrom, cb_envrcpt, cb_header, cb_eoh, cb_body, cb_eom,
	cb_abort, cb_close, cb_unknown, cb_data, cb_negotiate,
};

/* ---- the JavaScript API ---- */

static void *run_main(void *arg)
{
	(void) arg;
	int r = smfi_main();
	builder b;
	b_start(&b);
	b_str(&b, r == MI_SUCCESS ? "ok" : "failure");
	pthread_mutex_lock(&lock);
	state = 2;
	enqueue_locked(&b, NULL, 0, FG_EV_STOPPED, 0);
	pthread_mutex_unlock(&lock);
	return NULL;
}

static char *split_list(const char *list, char sep, int *count)
{
	char *copy = strdup(list ? list : "");
	*count = 0;
	if (copy == NULL)
		return NULL;
	for (char *p = copy; *p; p++)
		if (*p == sep)
			*p = '\0';
	return copy;
}

/*
 * Start libmilter on its own thread. `macros` lists, one line per SMFIM_* stage, "STAGE names...", the macros to
 * ask the MTA for; `query` lists (space separated) the macro names sent to JavaScript with each event.
 * Returns the read end of the wake-up pipe, or -1 with a message in `err`.
 */
int fg_start(const char *conn, int backlog, int timeout_s, uint32_t decide_mask, uint32_t actions, uint32_t protocol,
	const char *macros, const char *query, int cmd_safety_ms, int eom_safety_ms, int progress_ms, int fail_tempfail,
	const char *status_header, uint32_t max_sessions, char *err, int errlen)
{
	if (state != 0) {
		snprintf(err, (size_t) errlen, "libmilter was already started in this process (one smfi_main per process)");
		return -1;
	}
	cfg.decide_mask = decide_mask;
	cfg.actions = actions;
	cfg.protocol = protocol;
	cfg.cmd_safety_ms = cmd_safety_ms;
	cfg.eom_safety_ms = eom_safety_ms;
	cfg.progress_ms = progress_ms;
	cfg.fail_tempfail = fail_tempfail;
	cfg.status_header = status_header && *status_header ? strdup(status_header) : NULL;
	cfg.max_sessions = max_sessions;
	int n = 0;
	char *lines = split_list(macros, '\n', &n);
	for (char *p = lines; p && p < lines + strlen(macros); p += strlen(p) + 1) {
		int stage = p[0] - '0';
		if (stage >= 0 && stage < 7 && p[1] == ' ' && p[2])
			cfg.macros[stage] = strdup(p + 2);
	}
	free(lines);
	size_t qlen = strlen(query ? query : "");
	char *names = split_list(query, ' ', &n);
	cfg.query = calloc(qlen / 2 + 2, sizeof(char *));
	for (char *p = names; p && cfg.query && p < names + qlen; p += strlen(p) + 1)
		if (*p)
			cfg.query[cfg.nquery++] = p;

	int fds[2];
	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		snprintf(err, (size_t) errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (smfi_register(shim_desc) != MI_SUCCESS || smfi_setconn((char *) conn) != MI_SUCCESS ||
		smfi_settimeout(timeout_s) != MI_SUCCESS || (backlog > 0 && smfi_setbacklog(backlog) != MI_SUCCESS)) {
		snprintf(err, (size_t) errlen, "libmilter refused the settings for %s", conn);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (smfi_opensocket(true) != MI_SUCCESS) {
		snprintf(err, (size_t) errlen, "libmilter cannot listen on %s (in use, or a bad address)", conn);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	int port = fg_spec_port(conn);
	if (port > 0)
		fg_listen_nodelay(port);
	notify_fd = fds[1];
	state = 1;
	if (pthread_create(&main_thread, NULL, run_main, NULL) != 0) {
		snprintf(err, (size_t) errlen, "cannot start the libmilter thread");
		state = 0;
		notify_fd = -1;
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	pthread_detach(main_thread);
	return fds[0];
}

/*
 * Copy queued events into `buf`. Returns the bytes written (0 when the queue is empty), or minus the size of the
 * next event when it does not fit in `cap`.
 */
int fg_poll(unsigned char *buf, int cap)
{
	int used = 0;
	pthread_mutex_lock(&lock);
	while (queue_head != NULL) {
		fg_event *ev = queue_head;
		if ((int) ev->len > cap - used) {
			if (used == 0) {
				pthread_mutex_unlock(&lock);
				return -(int) ev->len;
			}
			break;
		}
		memcpy(buf + used, ev->data, ev->len);
		used += (int) ev->len;
		queued_bytes -= ev->len;
		queue_head = ev->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		free(ev);
	}
	if (used > 0)
		pthread_cond_broadcast(&drained);
	pthread_mutex_unlock(&lock);
	return used;
}

/*
 * Answer the event (`slot`, `gen`, `seq`). `reply` is rcode\0xcode\0line\0… (or empty), `mods` the modifications.
 * Returns 0, or -1 when the session is gone or no longer waits for that event (a late answer, dropped).
 */
int fg_reply(uint32_t slot, uint32_t gen, uint32_t seq, int status, const unsigned char *reply, int reply_len,
	const unsigned char *mods, int mods_len)
{
	int r = -1;
	pthread_mutex_lock(&lock);
	fg_session *s = slot < nslots ? slots[slot] : NULL;
	if (s != NULL && s->gen == gen && s->waiting && !s->answered && s->seq == seq) {
		session_clear_answer(s);
		if (reply_len > 0 && (s->reply = malloc((size_t) reply_len)) != NULL) {
			memcpy(s->reply, reply, (size_t) reply_len);
			s->reply_len = (size_t) reply_len;
		}
		if (mods_len > 0 && (s->mods = malloc((size_t) mods_len)) != NULL) {
			memcpy(s->mods, mods, (size_t) mods_len);
			s->mods_len = (size_t) mods_len;
		}
		s->status = status;
		s->answered = 1;
		pthread_cond_signal(&s->cond);
		r = 0;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

/*
 * Refuse new sessions (at option negotiation: libmilter then closes the connection) and let the open ones go on.
 * Debian's libmilter runs sessions on a worker pool (_FFR_WORKERS_POOL) that stops serving them once smfi_main is
 * asked to stop, without closing them: a graceful shutdown drains first, then calls fg_stop.
 */
void fg_drain(void)
{
	pthread_mutex_lock(&lock);
	draining = 1;
	pthread_mutex_unlock(&lock);
}

static void *run_stop(void *arg)
{
	(void) arg;
	smfi_stop();
	return NULL;
}

/*
 * Ask smfi_main to return; a FG_EV_STOPPED event follows. Sessions still open are abandoned by libmilter's worker
 * pool (their MTA times out): call fg_drain first and wait for fg_sessions() to reach 0. smfi_stop() waits for libmilter's listener, which holds
 * its lock while it waits up to 5 s (MI_CHK_TIME) for a connection, so it runs on a thread of its own; a connection
 * to the listening socket (the engine makes one) ends that wait early.
 */
void fg_stop(void)
{
	static int asked;
	pthread_t t;
	pthread_mutex_lock(&lock);
	int go = state == 1 && !asked;
	asked = 1;
	pthread_mutex_unlock(&lock);
	if (go && pthread_create(&t, NULL, run_stop, NULL) == 0)
		pthread_detach(t);
}

/* 0: never started, 1: running, 2: smfi_main returned. */
int fg_state(void)
{
	pthread_mutex_lock(&lock);
	int s = state;
	pthread_mutex_unlock(&lock);
	return s;
}

/* Sessions open now. */
/* The most bytes of events ever queued for JavaScript at once (bounded near FG_QUEUE_LIMIT). */
uint32_t fg_queue_peak(void)
{
	pthread_mutex_lock(&lock);
	uint32_t n = queued_peak > UINT32_MAX ? UINT32_MAX : (uint32_t) queued_peak;
	pthread_mutex_unlock(&lock);
	return n;
}

int fg_sessions(void)
{
	pthread_mutex_lock(&lock);
	int n = (int) active;
	pthread_mutex_unlock(&lock);
	return n;
}

/* libmilter's version as "major.minor.patch". */
void fg_libmilter_version(char *buf, int len)
{
	unsigned int major = 0, minor = 0, patch = 0;
	smfi_version(&major, &minor, &patch);
	snprintf(buf, (size_t) len, "%u.%u.%u", major, minor, patch);
}
