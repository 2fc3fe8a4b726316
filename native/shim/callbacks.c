/*
 * The libmilter callbacks. Each copies its arguments (and the macros JavaScript asked for) into an event and hands
 * it to deliver(), which waits for JavaScript's answer where the policy decides, or posts it and returns at once.
 * Negotiation refuses a session past the session limit or while draining.
 */
#include <arpa/inet.h>
#include <sys/un.h>
#include "shim.h"

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
	if (type == FG_EV_MAIL) {
		s->in_txn = 1;
		own_reset(s);
		pthread_mutex_lock(&lock);
		snprintf(s->status_header, sizeof s->status_header, "%s", cfg.status_header);
		pthread_mutex_unlock(&lock);
	}
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
	if (type == FG_EV_EOM) {
		s->in_txn = 0;
		own_reset(s);
	}
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
	own_see(s, name);
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
	own_reset(s);
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
	session_close(s);
	return SMFIS_CONTINUE;
}

struct smfiDesc shim_desc = {
	"floodgate", SMFI_VERSION, 0,
	cb_connect, cb_helo, cb_envfrom, cb_envrcpt, cb_header, cb_eoh, cb_body, cb_eom,
	cb_abort, cb_close, cb_unknown, cb_data, cb_negotiate,
};
