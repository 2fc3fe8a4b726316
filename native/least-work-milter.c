/*
 * The least work a pre-scanner of Floodgate's design does for each message, done in C as cheaply as it can be: a
 * benchmark reference for what the real-flow floors leave to any implementation (benchmarks/README.md, "The design's
 * least work in C"). Nothing of Floodgate runs here.
 *
 * It reads the whole message as `noop-milter -r` does (the same negotiation: envelope stages skipped; header, end of
 * header and body under the no-reply promises; DATA answered) and keeps the body, up to MAX_BODY bytes. At end of
 * message it hands the body to a fingerprint thread and waits for it (the design's pool hand-off). The thread makes a
 * bottom-128 MinHash of the body's word 3-shingles, on the raw text (no MIME decoding, no HTML, no Unicode: less than
 * any real fingerprint does), and asks Redis once, on its own connection: one EVALSHA that reads who holds the
 * sampled quarter of the values and claims them for this message in one hash (less than any real store does). The
 * milter then adds one header, `X-Least-Work: <values found held> of <values sampled>`, and continues.
 *
 * Usage: least-work-milter [-n] [-t THREADS] -s REDIS_UNIX_SOCKET SPEC; the Redis password, if any, from the
 * environment (FG_REDIS_PASSWORD), never the command line (`ps` shows it). -n sets TCP_NODELAY on the sessions.
 * A message that cannot reach Redis is answered with a temporary failure. Stops on SIGTERM or SIGINT.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <libmilter/mfapi.h>
#include "listen-nodelay.h"

enum { MAX_BODY = 256 * 1024, SKETCH = 128, SAMPLE_MODULUS = 4, MAX_THREADS = 16, REPLY_MAX = 512 };

/* Claims the sampled values for this message and says how many another message held (KEYS[1] the hash; ARGV[1]
 * this message's id, ARGV[2..] the values). */
static const char CLAIM_SCRIPT[] =
	"local held = redis.call('HMGET', KEYS[1], unpack(ARGV, 2)) "
	"local n = 0 for i = 1, #held do if held[i] then n = n + 1 end end "
	"local claim = {} for i = 2, #ARGV do claim[#claim + 1] = ARGV[i]; claim[#claim + 1] = ARGV[1] end "
	"redis.call('HSET', KEYS[1], unpack(claim)) return n";

/* One session's message: the no-reply promises it negotiated and the body so far. */
struct session {
	unsigned long promised;
	unsigned char *body;
	size_t len;
};

/* A message handed to the fingerprint threads, and their answer. */
struct job {
	const unsigned char *body;
	size_t len;
	long held, sampled; /* held < 0: Redis did not answer */
	int done;
	pthread_cond_t finished;
	struct job *next;
};

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_ready = PTHREAD_COND_INITIALIZER;
static struct job *queue_head, *queue_tail;

static const char *redis_socket;
static char script_sha[41];

/* ---- Redis: one blocking connection per thread, RESP by hand ---- */

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w, n -= (size_t) w;
	}
	return 0;
}

/* Whether `out` (n bytes) holds a whole reply: a line, or a bulk string's header line and its body. */
static int whole_reply(const char *out, size_t n)
{
	const char *eol = memchr(out, '\n', n);
	if (eol == NULL)
		return 0;
	if (out[0] != '$' || atol(out + 1) < 0)
		return 1;
	return n >= (size_t) (eol + 1 - out) + (size_t) atol(out + 1) + 2;
}

/* Reads one reply (status, error, integer or bulk string: enough for AUTH, SCRIPT LOAD and the script's integer)
 * into `out`; its first byte says the kind. */
static int read_reply(int fd, char *out, size_t cap)
{
	size_t n = 0;
	do {
		if (n + 1 >= cap)
			return -1;
		ssize_t r = read(fd, out + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		n += (size_t) r;
	} while (!whole_reply(out, n));
	out[n] = '\0';
	return out[0] == '-' ? -1 : 0;
}

/* Appends one RESP bulk string to `buf` (capacity `cap`, `*at` used). */
static int put_bulk(char *buf, size_t cap, size_t *at, const char *s, size_t len)
{
	int k = snprintf(buf + *at, cap - *at, "$%zu\r\n", len);
	if (k < 0 || *at + (size_t) k + len + 2 > cap)
		return -1;
	*at += (size_t) k;
	memcpy(buf + *at, s, len);
	*at += len;
	memcpy(buf + *at, "\r\n", 2);
	*at += 2;
	return 0;
}

static int command(int fd, const char **args, int count, char *reply)
{
	char buf[8192];
	size_t at = (size_t) snprintf(buf, sizeof buf, "*%d\r\n", count);
	for (int i = 0; i < count; i++)
		if (put_bulk(buf, sizeof buf, &at, args[i], strlen(args[i])) != 0)
			return -1;
	if (write_all(fd, buf, at) != 0)
		return -1;
	return read_reply(fd, reply, REPLY_MAX);
}

static int redis_connect(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(redis_socket) >= sizeof addr.sun_path)
		return -1;
	strcpy(addr.sun_path, redis_socket);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	char reply[REPLY_MAX];
	const char *password = getenv("FG_REDIS_PASSWORD");
	const char *auth[] = { "AUTH", password };
	if (connect(fd, (struct sockaddr *) &addr, sizeof addr) != 0 ||
	    (password && *password && command(fd, auth, 2, reply) != 0)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- the fingerprint: bottom-128 MinHash of word 3-shingles ---- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30, x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27, x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Keeps the SKETCH smallest distinct values seen, in a max-heap. */
struct bottom {
	uint64_t v[SKETCH];
	int n;
};

static void sift_down(struct bottom *b, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, top = i;
		if (l < b->n && b->v[l] > b->v[top])
			top = l;
		if (r < b->n && b->v[r] > b->v[top])
			top = r;
		if (top == i)
			return;
		uint64_t t = b->v[i];
		b->v[i] = b->v[top], b->v[top] = t, i = top;
	}
}

static void offer(struct bottom *b, uint64_t value)
{
	if (b->n == SKETCH && value >= b->v[0])
		return;
	for (int i = 0; i < b->n; i++)
		if (b->v[i] == value)
			return;
	if (b->n < SKETCH) {
		int i = b->n++;
		b->v[i] = value;
		while (i > 0 && b->v[(i - 1) / 2] < b->v[i]) {
			uint64_t t = b->v[i];
			b->v[i] = b->v[(i - 1) / 2], b->v[(i - 1) / 2] = t, i = (i - 1) / 2;
		}
		return;
	}
	b->v[0] = value;
	sift_down(b, 0);
}

static int word_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Values of the body's word 3-shingles (words: ASCII letters and digits, any case), 53 bits as Floodgate's. */
static void sketch(const unsigned char *p, size_t len, struct bottom *b)
{
	uint64_t w1 = 0, w2 = 0;
	int words = 0;
	size_t i = 0;
	while (i < len) {
		while (i < len && !word_byte(p[i]))
			i++;
		if (i == len)
			break;
		uint64_t h = 0xcbf29ce484222325ULL;
		for (; i < len && word_byte(p[i]); i++)
			h = (h ^ (uint64_t) (p[i] | 0x20)) * 0x100000001b3ULL;
		if (++words >= 3)
			offer(b, mix(w1 * 31 + w2 * 17 + h) & ((1ULL << 53) - 1));
		w1 = w2, w2 = h;
	}
}

/* Fingerprints a job's body and claims its sampled values: the number of them another message held, -1 when
 * Redis did not answer. */
static long fingerprint_and_claim(int *fd, struct job *job)
{
	struct bottom b = { .n = 0 };
	sketch(job->body, job->len, &b);
	char values[SKETCH][24], id[24];
	const char *args[SKETCH + 5] = { "EVALSHA", script_sha, "1", "fg-least:owners" };
	int count = 4;
	uint64_t digest = mix(job->len);
	args[count++] = id;
	for (int i = 0; i < b.n; i++) {
		digest = mix(digest ^ b.v[i]);
		if (b.v[i] % SAMPLE_MODULUS != 0)
			continue;
		snprintf(values[job->sampled], sizeof values[0], "%llu", (unsigned long long) b.v[i]);
		args[count++] = values[job->sampled++];
	}
	snprintf(id, sizeof id, "%016llx", (unsigned long long) digest);
	if (job->sampled == 0)
		return 0;
	char reply[REPLY_MAX];
	for (int attempt = 0; attempt < 2; attempt++) {
		if (*fd < 0)
			*fd = redis_connect();
		if (*fd >= 0 && command(*fd, args, count, reply) == 0 && reply[0] == ':')
			return atol(reply + 1);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	return -1;
}

static void *fingerprint_thread(void *unused)
{
	(void) unused;
	int fd = -1;
	for (;;) {
		pthread_mutex_lock(&queue_lock);
		while (queue_head == NULL)
			pthread_cond_wait(&queue_ready, &queue_lock);
		struct job *job = queue_head;
		queue_head = job->next;
		if (queue_head == NULL)
			queue_tail = NULL;
		pthread_mutex_unlock(&queue_lock);
		long held = fingerprint_and_claim(&fd, job);
		pthread_mutex_lock(&queue_lock);
		job->held = held;
		job->done = 1;
		pthread_cond_signal(&job->finished);
		pthread_mutex_unlock(&queue_lock);
	}
	return NULL;
}

/* Hands the body to the threads and waits for their answer. */
static void fingerprint(struct job *job)
{
	pthread_cond_init(&job->finished, NULL);
	pthread_mutex_lock(&queue_lock);
	if (queue_tail)
		queue_tail->next = job;
	else
		queue_head = job;
	queue_tail = job;
	pthread_cond_signal(&queue_ready);
	while (!job->done)
		pthread_cond_wait(&job->finished, &queue_lock);
	pthread_mutex_unlock(&queue_lock);
	pthread_cond_destroy(&job->finished);
}

/* ---- the milter ---- */

static struct session *session_of(SMFICTX *ctx)
{
	return smfi_getpriv(ctx);
}

static sfsistat no_reply_if(SMFICTX *ctx, unsigned long bit)
{
	struct session *s = session_of(ctx);
	return (s && (s->promised & bit)) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat on_header(SMFICTX *ctx, char *name, char *value)
{
	(void) name, (void) value;
	return no_reply_if(ctx, SMFIP_NR_HDR);
}

static sfsistat on_eoh(SMFICTX *ctx)
{
	return no_reply_if(ctx, SMFIP_NR_EOH);
}

static sfsistat on_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	struct session *s = session_of(ctx);
	if (s && s->len < MAX_BODY) {
		size_t take = len < MAX_BODY - s->len ? len : MAX_BODY - s->len;
		if (s->body == NULL && (s->body = malloc(MAX_BODY)) == NULL)
			return SMFIS_TEMPFAIL;
		memcpy(s->body + s->len, chunk, take);
		s->len += take;
	}
	return no_reply_if(ctx, SMFIP_NR_BODY);
}

static void forget_message(struct session *s)
{
	if (s)
		s->len = 0;
}

static sfsistat on_eom(SMFICTX *ctx)
{
	struct session *s = session_of(ctx);
	if (s == NULL)
		return SMFIS_TEMPFAIL;
	struct job job = { .body = s->body, .len = s->len };
	fingerprint(&job);
	forget_message(s);
	if (job.held < 0)
		return SMFIS_TEMPFAIL;
	char label[64];
	snprintf(label, sizeof label, "%ld of %ld", job.held, job.sampled);
	smfi_addheader(ctx, "X-Least-Work", label);
	return SMFIS_CONTINUE;
}

static sfsistat on_abort(SMFICTX *ctx)
{
	forget_message(session_of(ctx));
	return SMFIS_CONTINUE;
}

static sfsistat on_close(SMFICTX *ctx)
{
	struct session *s = session_of(ctx);
	if (s)
		free(s->body);
	free(s);
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat on_step(SMFICTX *ctx)
{
	(void) ctx;
	return SMFIS_CONTINUE;
}

/* noop-milter -r's negotiation: envelope stages skipped, the content under no-reply promises, DATA answered. */
static sfsistat on_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
			     unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void) f2, (void) f3;
	struct session *s = calloc(1, sizeof *s);
	if (s == NULL)
		return SMFIS_REJECT;
	s->promised = f1 & (SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY);
	smfi_setpriv(ctx, s);
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = (f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOUNKNOWN)) | s->promised;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc least_work_desc = {
	"floodgate-least-work", SMFI_VERSION, SMFIF_ADDHDRS,
	NULL, NULL, NULL, NULL, on_header, on_eoh, on_body, on_eom,
	on_abort, on_close, NULL, on_step, on_negotiate,
};

static int usage(const char *self)
{
	fprintf(stderr, "usage: %s [-n] [-t THREADS] -s REDIS_UNIX_SOCKET inet:PORT@HOST|unix:/path\n", self);
	return 2;
}

/* Loads the claim script, so that each message sends only its digest. */
static int load_script(void)
{
	int fd = redis_connect();
	char reply[REPLY_MAX];
	const char *args[] = { "SCRIPT", "LOAD", CLAIM_SCRIPT };
	if (fd < 0 || command(fd, args, 3, reply) != 0 || reply[0] != '$') {
		fprintf(stderr, "least-work-milter: cannot load the script on %s: %s\n", redis_socket,
			fd < 0 ? "no connection" : reply);
		return -1;
	}
	char *body = strchr(reply, '\n');
	if (body == NULL || strlen(body + 1) < 40)
		return -1;
	memcpy(script_sha, body + 1, 40);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int nodelay = 0, threads = 1, opt;
	while ((opt = getopt(argc, argv, "nt:s:")) != -1) {
		if (opt == 'n')
			nodelay = 1;
		else if (opt == 't')
			threads = atoi(optarg);
		else if (opt == 's')
			redis_socket = optarg;
		else
			return usage(argv[0]);
	}
	if (optind >= argc || redis_socket == NULL || threads < 1 || threads > MAX_THREADS)
		return usage(argv[0]);
	const char *spec = argv[optind];
	if (load_script() != 0)
		return 1;
	for (int i = 0; i < threads; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, fingerprint_thread, NULL) != 0 || pthread_detach(t) != 0)
			return 1;
	}
	if (smfi_setconn((char *) spec) != MI_SUCCESS || smfi_register(least_work_desc) != MI_SUCCESS ||
	    smfi_opensocket(true) != MI_SUCCESS) {
		fprintf(stderr, "least-work-milter: cannot listen on %s\n", spec);
		return 1;
	}
	int port = fg_spec_port(spec);
	if (nodelay && port > 0 && fg_listen_nodelay(port) == 0)
		fprintf(stderr, "least-work-milter: could not set TCP_NODELAY on the listener\n");
	fprintf(stderr, "least-work-milter: listening on %s%s, %d fingerprint thread(s)\n", spec,
		nodelay ? " (TCP_NODELAY)" : "", threads);
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
