/*
 * The bridge between libmilter and Floodgate's JavaScript (src/engine/libmilter/). libmilter calls its callbacks on
 * its own threads and wants each callback's status as its return value; JavaScript has one thread and must never
 * block. So each callback copies its arguments into an event, queues it, wakes JavaScript through a pipe, and (when
 * an answer is needed) waits on its session's condition variable. JavaScript drains the queue with fg_poll() and
 * answers with fg_reply(); both return at once. The answer (status, SMTP reply text, end-of-message modifications)
 * is applied here, on the libmilter thread, before the callback returns. If JavaScript does not answer within the
 * safety timeout, the configured fail mode applies here, in C; a reload changes it with fg_update().
 *
 * libmilter keeps global state: one smfi_main per process, so one libmilter engine per process. Debian builds it with
 * _FFR_WORKERS_POOL: a controller thread polls the idle sessions and hands ready ones to a pool of worker threads
 * that grows on demand, so a callback waiting here holds one worker, never the others.
 *
 * This file: starting libmilter on its own thread, reloading settings, draining and stopping.
 */
#include "shim.h"
#include "../listen-nodelay.h"

pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
struct fg_config cfg;
int run_state;
int draining;
static pthread_t main_thread;

static void *run_main(void *arg)
{
	(void) arg;
	/*
	 * Named for `ps -L`, `top -H` and the benchmarks' per-thread CPU (Node names every thread `node`): libmilter's
	 * threads (listener, signal thread, pool controller, workers) are all created from this one and inherit it.
	 * The name is mirrored in src/util/thread-name.ts.
	 */
	pthread_setname_np(pthread_self(), "fg-libmilter");
	int r = smfi_main();
	builder b;
	b_start(&b);
	b_str(&b, r == MI_SUCCESS ? "ok" : "failure");
	pthread_mutex_lock(&lock);
	run_state = 2;
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
 * Apply reloaded settings to the sessions' next waits: the safety timeouts, the progress interval, the fail mode and
 * the status header (empty: none). Returns -1, changing nothing, when the header name is too long.
 */
FG_API int fg_update(int cmd_safety_ms, int eom_safety_ms, int progress_ms, int fail_tempfail, const char *status_header)
{
	const char *header = status_header ? status_header : "";
	if (strlen(header) >= FG_HEADER_MAX)
		return -1;
	pthread_mutex_lock(&lock);
	cfg.cmd_safety_ms = cmd_safety_ms;
	cfg.eom_safety_ms = eom_safety_ms;
	cfg.progress_ms = progress_ms;
	cfg.fail_tempfail = fail_tempfail;
	snprintf(cfg.status_header, sizeof cfg.status_header, "%s", header);
	pthread_mutex_unlock(&lock);
	return 0;
}

/*
 * The fail-mode labels, one line per event type: "TYPE\tREASON\tRCODE\tXCODE\tTEXT\tSTATUS". Type 0 is for any
 * event type without a line of its own. Fields too long are cut; a malformed line is left out.
 */
static void parse_fail_labels(const char *text)
{
	int n = 0;
	char *lines = split_list(text, '\n', &n);
	size_t len = strlen(text ? text : "");
	for (char *p = lines; p && p < lines + len; p += strlen(p) + 1) {
		char *field[6] = { 0 };
		int count = 0;
		for (char *q = p; count < 6; q++) {
			field[count++] = q;
			q = strchr(q, '\t');
			if (q == NULL)
				break;
			*q = '\0';
		}
		int type = atoi(p);
		if (count != 6 || type < 0 || type >= FG_EV_MAX)
			continue;
		struct fg_fail_label *l = &cfg.fail[type];
		snprintf(l->reason, sizeof l->reason, "%s", field[1]);
		snprintf(l->rcode, sizeof l->rcode, "%s", field[2]);
		snprintf(l->xcode, sizeof l->xcode, "%s", field[3]);
		snprintf(l->text, sizeof l->text, "%s", field[4]);
		snprintf(l->status, sizeof l->status, "%s", field[5]);
	}
	free(lines);
	for (int type = 1; type < FG_EV_MAX; type++)
		if (cfg.fail[type].reason[0] == '\0')
			cfg.fail[type] = cfg.fail[0];
}

/*
 * Start libmilter on its own thread. `macros` lists, one line per SMFIM_* stage, "STAGE names...", the macros to
 * ask the MTA for; `query` lists (space separated) the macro names sent to JavaScript with each event; `fail_labels`
 * what the fail mode in C says (parse_fail_labels). Returns the read end of the wake-up pipe, or -1 with a message in
 * `err`.
 */
FG_API int fg_start(const char *conn, int backlog, int timeout_s, uint32_t decide_mask, uint32_t actions, uint32_t protocol,
	const char *macros, const char *query, int cmd_safety_ms, int eom_safety_ms, int progress_ms, int fail_tempfail,
	const char *status_header, uint32_t max_sessions, const char *fail_labels, char *err, int errlen)
{
	if (run_state != 0) {
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
	snprintf(cfg.status_header, sizeof cfg.status_header, "%s", status_header ? status_header : "");
	cfg.max_sessions = max_sessions;
	parse_fail_labels(fail_labels);
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
	run_state = 1;
	if (pthread_create(&main_thread, NULL, run_main, NULL) != 0) {
		snprintf(err, (size_t) errlen, "cannot start the libmilter thread");
		run_state = 0;
		notify_fd = -1;
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	pthread_detach(main_thread);
	return fds[0];
}

/*
 * Refuse new sessions (at option negotiation: libmilter then closes the connection) and let the open ones go on.
 * Debian's libmilter runs sessions on a worker pool (_FFR_WORKERS_POOL) that stops serving them once smfi_main is
 * asked to stop, without closing them: a graceful shutdown drains first, then calls fg_stop.
 */
FG_API void fg_drain(void)
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
FG_API void fg_stop(void)
{
	static int asked;
	pthread_t t;
	pthread_mutex_lock(&lock);
	int go = run_state == 1 && !asked;
	asked = 1;
	pthread_mutex_unlock(&lock);
	if (go && pthread_create(&t, NULL, run_stop, NULL) == 0)
		pthread_detach(t);
}

/* 0: never started, 1: running, 2: smfi_main returned. */
FG_API int fg_state(void)
{
	pthread_mutex_lock(&lock);
	int s = run_state;
	pthread_mutex_unlock(&lock);
	return s;
}

/* libmilter's version as "major.minor.patch". */
FG_API void fg_libmilter_version(char *buf, int len)
{
	unsigned int major = 0, minor = 0, patch = 0;
	smfi_version(&major, &minor, &patch);
	snprintf(buf, (size_t) len, "%u.%u.%u", major, minor, patch);
}
