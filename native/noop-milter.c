/*
 * A no-op milter on stock libmilter: the benchmark baseline for "the cost of the protocol itself". Every callback
 * continues and end of message changes nothing. The DATA callback is registered so that DATA is answered (trap 2 in
 * real-mta-lab.md). Usage: noop-milter [-n] [-e] SPEC, SPEC as `inet:PORT@127.0.0.1` or `unix:/path`; -n sets
 * TCP_NODELAY on the sessions (through the listening socket: listen-nodelay.h); without it, libmilter's stock Nagle
 * behaviour. -e negotiates every stage away but end of message (SMFIP_NOCONNECT … SMFIP_NODATA): the least
 * conversation an MTA can have with a milter, to measure what the MTA pays for having one at all.
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

static sfsistat noop_header(SMFICTX *ctx, char *name, char *value)
{
	(void) ctx, (void) name, (void) value;
	return SMFIS_CONTINUE;
}

static sfsistat noop_step(SMFICTX *ctx)
{
	(void) ctx;
	return SMFIS_CONTINUE;
}

static sfsistat noop_body(SMFICTX *ctx, unsigned char *chunk, size_t len)
{
	(void) ctx, (void) chunk, (void) len;
	return SMFIS_CONTINUE;
}

static sfsistat noop_unknown(SMFICTX *ctx, const char *cmd)
{
	(void) ctx, (void) cmd;
	return SMFIS_CONTINUE;
}

/* Only end of message (-e; registered only then): of the steps the MTA offers (f1), skip every one it can skip. */
static sfsistat noop_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2, unsigned long f3,
			       unsigned long *pf0, unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void) ctx, (void) f0, (void) f2, (void) f3;
	*pf0 = 0;
	*pf1 = f1 & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOHDRS | SMFIP_NOEOH |
		     SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NODATA);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static struct smfiDesc noop_desc = {
	"floodgate-noop", SMFI_VERSION, 0,
	noop_connect, noop_helo, noop_envelope, noop_envelope, noop_header, noop_step, noop_body, noop_step,
	noop_step, noop_step, noop_unknown, noop_step, NULL,
};

int main(int argc, char **argv)
{
	int nodelay = 0, eom_only = 0, opt;
	while ((opt = getopt(argc, argv, "ne")) != -1) {
		if (opt == 'n')
			nodelay = 1;
		else if (opt == 'e')
			eom_only = 1;
		else {
			fprintf(stderr, "usage: %s [-n] [-e] inet:PORT@HOST|unix:/path\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-n] [-e] inet:PORT@HOST|unix:/path\n", argv[0]);
		return 2;
	}
	const char *spec = argv[optind];
	if (eom_only)
		noop_desc.xxfi_negotiate = noop_negotiate;
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
		eom_only ? " (end of message only)" : "");
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
