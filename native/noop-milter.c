/*
 * A no-op milter on stock libmilter: the benchmark baseline for "the cost of the protocol itself". Every callback
 * continues and end of message changes nothing. The DATA callback is registered so that DATA is answered (trap 2 in
 * real-mta-lab.md). Usage: noop-milter [-n] [-e | -d | -r] SPEC, SPEC as `inet:PORT@127.0.0.1` or `unix:/path`; -n sets
 * TCP_NODELAY on the sessions (through the listening socket: listen-nodelay.h); without it, libmilter's stock Nagle
 * behaviour. -e negotiates every stage away but end of message (SMFIP_NOCONNECT … SMFIP_NODATA): the least
 * conversation an MTA can have with a milter, to measure what the MTA pays for having one at all (Postfix then meets
 * trap 2 of real-mta-lab.md); -d does the same but answers DATA, the least conversation that avoids it. -r reads the whole
 * message as a content filter must, and nothing else: it skips connect, HELO, MAIL, RCPT and unknown commands, takes
 * the header, end-of-header and body callbacks under the no-reply promises (SMFIP_NR_HDR, NR_EOH, NR_BODY) where the
 * MTA offers them, answers DATA (so Postfix's macro packet is acknowledged at once: trap 2 in real-mta-lab.md) and
 * adds one header at end of message: the fair reference for a milter that must read the message.
 * It stops on SIGTERM or SIGINT (libmilter's own signal thread).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmilter/mfapi.h>
#include "listen-nodelay.h"

static sfsistat noop_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *addr)
{
	(void) ctx, (void) host, (void) addr;
	return SMFIS_CONTINUE;
}

static sfsistat noop_helo(SMFICTX *ctx, char *helo)
{
	(void) ctx, (void) helo;
	return SMFIS_CONTINUE;
}

static sfsistat noop_envelope(SMFICTX *ctx, char **argv)
{
	(void) ctx, (void) argv;
	return SMFIS_CONTINUE;
}

/* The no-reply promises negotiated for a session (-r), kept in its private data; 0 without -r. */
static unsigned long promised(SMFICTX *ctx)
{
	unsigned long *p = smfi_getpriv(ctx);
	return p == NULL ? 0 : *p;
}

/* SMFIS_NOREPLY where the MTA accepted the promise `bit` (it waits for no reply), else SMFIS_CONTINUE. */
static sfsistat no_reply_if(SMFICTX *ctx, unsigned long bit)
{
	return (promised(ctx) & bit) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat noop_header(SMFICTX *ctx, char *name, char *value)
{
	(void) name, (void) value;
	return no_reply_if(ctx, SMFIP_NR_HDR);
}

static sfsistat noop_eoh(SMFICTX *ctx)
{
	return no_reply_if(ctx, SMFIP_NR_EOH);
}

static sfsistat noop_step(SMFICTX *ctx)
{
	(void) ctx;
	return SMFIS_CONTINUE;
}

static sfsistat noop_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void) chunk, (void) len;
	return no_reply_if(ctx, SMFIP_NR_BODY);
}

/* End of message: with -r, one header added, as a content filter that labels the message would. */
static sfsistat noop_eom(SMFICTX *ctx)
{
	if (smfi_getpriv(ctx) != NULL)
		smfi_addheader(ctx, "X-Noop", "read");
	return SMFIS_CONTINUE;
}

static sfsistat noop_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

static sfsistat noop_unknown(SMFICTX *ctx, const char *cmd)
{
	(void) ctx, (void) cmd;
	return SMFIS_CONTINUE;
}

/* The steps -e skips when the MTA offers to (f1): every one but end of message; -d keeps DATA too. */
static unsigned long skipped_steps = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOHDRS |
				     SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA;

/* Only end of message (-e), or DATA and end of message (-d); registered only then. */
static sfsistat noop_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
			       unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void) ctx, (void) f0, (void) f2, (void) f3;
	*pf0 = 0;
	*pf1 = f1 & skipped_steps;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

/*
 * The whole message and nothing else (-r): skip the envelope stages, keep headers, end of header and body under
 * their no-reply promises, keep DATA (answered) and end of message, and add headers.
 */
static sfsistat read_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
			       unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void) f2, (void) f3;
	unsigned long *nr = malloc(sizeof *nr);
	if (nr == NULL)
		return SMFIS_REJECT;
	*nr = f1 & (SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY);
	smfi_setpriv(ctx, nr);
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = (f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOUNKNOWN)) | *nr;
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc noop_desc = {
	"floodgate-noop", SMFI_VERSION, 0,
	noop_connect, noop_helo, noop_envelope, noop_envelope, noop_header, noop_eoh, noop_body, noop_eom,
	noop_step, noop_close, noop_unknown, noop_step, NULL,
};

static int usage(const char *self)
{
	fprintf(stderr, "usage: %s [-n] [-e | -d | -r] inet:PORT@HOST|unix:/path\n", self);
	return 2;
}

int main(int argc, char **argv)
{
	int nodelay = 0, eom_only = 0, read_all = 0, opt;
	while ((opt = getopt(argc, argv, "nedr")) != -1) {
		if (opt == 'n')
			nodelay = 1;
		else if (opt == 'e')
			eom_only = 1;
		else if (opt == 'd') {
			eom_only = 1;
			skipped_steps &= ~SMFIP_NODATA;
		}
		else if (opt == 'r')
			read_all = 1;
		else
			return usage(argv[0]);
	}
	if (optind >= argc || (eom_only && read_all))
		return usage(argv[0]);
	const char *spec = argv[optind];
	if (eom_only)
		noop_desc.xxfi_negotiate = noop_negotiate;
	if (read_all) {
		noop_desc.xxfi_negotiate = read_negotiate;
		noop_desc.xxfi_flags = SMFIF_ADDHDRS;
	}
	if (smfi_setconn((char *) spec) != MI_SUCCESS || smfi_register(noop_desc) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: cannot register on %s\n", spec);
		return 1;
	}
	if (smfi_opensocket(true) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: cannot listen on %s\n", spec);
		return 1;
	}
	int port = fg_spec_port(spec);
	if (nodelay && port > 0 && fg_listen_nodelay(port) == 0)
		fprintf(stderr, "noop-milter: could not set TCP_NODELAY on the listener\n");
	fprintf(stderr, "noop-milter: listening on %s%s%s\n", spec, nodelay ? " (TCP_NODELAY)" : "",
		eom_only ? " (end of message only, or with DATA)" : read_all ? " (reads the message)" : "");
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
