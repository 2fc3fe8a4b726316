/*
 * Events for JavaScript: each libmilter callback builds one (a header and length-prefixed fields), queues it, and
 * writes a byte to the wake-up pipe when the queue was empty; JavaScript copies them out with fg_poll. The queue is
 * bounded: while JavaScript is more than FG_QUEUE_LIMIT bytes behind, post() makes the libmilter thread wait.
 */
#include "shim.h"

int notify_fd = -1;
static fg_event *queue_head, *queue_tail;
static size_t queued_bytes, queued_peak;
static pthread_cond_t drained = PTHREAD_COND_INITIALIZER;

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

void b_u32(builder *b, uint32_t v)
{
	b_reserve(b, 4);
	if (b->oom)
		return;
	memcpy(b->buf + b->len, &v, 4); /* little-endian hosts only (x86-64, arm64) */
	b->len += 4;
}

void b_field(builder *b, const void *data, size_t len)
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

void b_str(builder *b, const char *s)
{
	b_field(b, s ? s : "", s ? strlen(s) : 0);
}

/* Start an event: room for the header enqueue_locked fills in. */
void b_start(builder *b)
{
	memset(b, 0, sizeof *b);
	b_reserve(b, FG_EVENT_DATA + 20);
	b->len = FG_EVENT_DATA + 20;
}

/* The macros JavaScript may read, as one field of name\0value\0 pairs: what libmilter sees at this stage. */
void b_macros(builder *b, SMFICTX *ctx)
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
void enqueue_locked(builder *b, fg_session *s, uint32_t seq, int type, int flags)
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

/*
 * Post an event that needs no answer. While JavaScript is behind by more than FG_QUEUE_LIMIT bytes, the libmilter
 * thread waits for it to catch up, so a large message is never buffered here without bound.
 */
void post(fg_session *s, builder *b, int type)
{
	pthread_mutex_lock(&lock);
	while (queued_bytes > FG_QUEUE_LIMIT && run_state == 1) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		add_ms(&until, 100);
		pthread_cond_timedwait(&drained, &lock, &until);
	}
	enqueue_locked(b, s, 0, type, 0);
	pthread_mutex_unlock(&lock);
}

void add_ms(struct timespec *ts, int ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long) (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/*
 * Copy queued events into `buf`. Returns the bytes written (0 when the queue is empty), or minus the size of the
 * next event when it does not fit in `cap`.
 */
FG_API int fg_poll(unsigned char *buf, int cap)
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

/* The most bytes of events ever queued for JavaScript at once (bounded near FG_QUEUE_LIMIT). */
FG_API uint32_t fg_queue_peak(void)
{
	pthread_mutex_lock(&lock);
	uint32_t n = queued_peak > UINT32_MAX ? UINT32_MAX : (uint32_t) queued_peak;
	pthread_mutex_unlock(&lock);
	return n;
}
