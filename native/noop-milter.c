/*
 * A no-op milter on stock libmilter: the benchmark baseline for "the cost of the protocol itself". Every callback
 * continues and end of message changes nothing. The DATA callback is registered so that DATA is answered (trap 2 in
 * real-mta-lab.md). Usage: noop-milter [-n] SPEC, SPEC as `inet:PORT@127.0.0.1` or `unix:/path`; -n sets TCP_NODELAY
 * on the sessions (through the listening socket: listen-nodelay.h); without it, libmilter's stock Nagle behaviour.
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

static struct smfiDesc noop_desc = {
	"floodgate-noop", SMFI_VERSION, 0,
	noop_connect, noop_helo, noop_envelope, noop_envelope, noop_header, noop_step, noop_body, noop_step,
	noop_step, noop_step, noop_unknown, noop_step, NULL,
};

int main(int argc, char **argv)
{
	int nodelay = 0, opt;
	while ((opt = getopt(argc, argv, "n")) != -1) {
		if (opt == 'n')
			nodelay = 1;
		else {
			fprintf(stderr, "usage: %s [-n] inet:PORT@HOST|unix:/path\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: %s [-n] inet:PORT@HOST|unix:/path\n", argv[0]);
		return 2;
	}
	const char *spec = argv[optind];
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
	fprintf(stderr, "noop-milter: listening on %s%s\n", spec, nodelay ? " (TCP_NODELAY)" : "");
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
