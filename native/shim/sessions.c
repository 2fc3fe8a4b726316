/*
 * The session table (a slot and a generation per libmilter context, so a late answer for a closed session is
 * dropped), waiting for JavaScript's answer with a safety timeout, applying the answer (status, reply text,
 * end-of-message modifications) on the libmilter thread, and the fail mode in C when no answer came in time.
 */
#include "shim.h"

uint32_t active;
static fg_session **slots;
static uint32_t nslots, *free_slots, nfree;
static uint32_t next_gen = 1;

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

fg_session *session_of(SMFICTX *ctx)
{
	return (fg_session *) smfi_getpriv(ctx);
}

fg_session *session_new(SMFICTX *ctx)
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
	snprintf(s->status_header, sizeof s->status_header, "%s", cfg.status_header);
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

/* Free a closed session's slot; queue its FG_EV_CLOSE first so JavaScript ends it. */
void session_close(fg_session *s)
{
	builder b;
	b_start(&b);
	pthread_mutex_lock(&lock);
	enqueue_locked(&b, s, 0, FG_EV_CLOSE, 0);
	slots[s->slot] = NULL;
	free_slots[nfree++] = s->slot;
	active--;
	pthread_mutex_unlock(&lock);
	session_clear_answer(s);
	own_free(s);
	pthread_cond_destroy(&s->cond);
	free(s);
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

/*
 * The fail mode, in C, when JavaScript did not answer in time: the reason, reply and status JavaScript handed over at
 * start (cfg.fail), and at end of message Floodgate's own headers removed and the status written, as the engines do.
 */
static sfsistat fail_mode(fg_session *s, int type)
{
	const struct fg_fail_label *label = &cfg.fail[type > 0 && type < FG_EV_MAX ? type : 0];
	builder b;
	b_start(&b);
	b_str(&b, label->reason);
	post(s, &b, FG_EV_TIMEOUT);
	/* fg_update may change this at any time: read it under the lock. */
	pthread_mutex_lock(&lock);
	int tempfail = cfg.fail_tempfail;
	pthread_mutex_unlock(&lock);
	if (tempfail) {
		smfi_setreply(s->ctx, (char *) label->rcode, (char *) label->xcode, (char *) label->text);
		return SMFIS_TEMPFAIL;
	}
	if (type == FG_EV_EOM)
		own_apply(s, label->status);
	return SMFIS_CONTINUE;
}

/*
 * Post an event; if the policy decides at this stage (or at end of message), wait for the answer and apply it.
 * Stages promised no reply return SMFIS_NOREPLY without waiting.
 */
sfsistat deliver(fg_session *s, builder *b, int type)
{
	unsigned long nr = nr_bit(type);
	int no_reply = nr != 0 && (s->protocol & nr) != 0;
	int wants = type == FG_EV_EOM || (!no_reply && (cfg.decide_mask & (1u << type)) != 0);
	if (!wants) {
		post(s, b, type);
		return no_reply ? SMFIS_NOREPLY : SMFIS_CONTINUE;
	}
	pthread_mutex_lock(&lock);
	int safety = type == FG_EV_EOM ? cfg.eom_safety_ms : cfg.cmd_safety_ms;
	int progress_ms = cfg.progress_ms;
	struct timespec deadline;
	clock_gettime(CLOCK_REALTIME, &deadline);
	add_ms(&deadline, safety);
	s->seq++;
	s->waiting = 1;
	s->answered = 0;
	session_clear_answer(s);
	enqueue_locked(b, s, s->seq, type, FG_FLAG_WANTS_REPLY);
	int timed_out = 0;
	while (!s->answered) {
		struct timespec until = deadline;
		int progress = type == FG_EV_EOM && progress_ms > 0;
		if (progress) {
			struct timespec slice;
			clock_gettime(CLOCK_REALTIME, &slice);
			add_ms(&slice, progress_ms);
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

/*
 * Answer the event (`slot`, `gen`, `seq`). `reply` is rcode\0xcode\0line\0… (or empty), `mods` the modifications.
 * Returns 0, or -1 when the session is gone or no longer waits for that event (a late answer, dropped).
 */
FG_API int fg_reply(uint32_t slot, uint32_t gen, uint32_t seq, int status, const unsigned char *reply, int reply_len,
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

/* Sessions open now. */
FG_API int fg_sessions(void)
{
	pthread_mutex_lock(&lock);
	int n = (int) active;
	pthread_mutex_unlock(&lock);
	return n;
}
