/*
 * TCP_NODELAY for libmilter's sessions. Stock libmilter never sets it, so a milter that answers end of message with
 * several small writes waits for the MTA's delayed ACK (+40 ms a message: real-mta-lab.md, "Two TCP traps").
 * libmilter keeps its listening socket private, but Linux copies TCP_NODELAY from a listening socket to the sockets
 * accept() returns: after smfi_opensocket(), find our listener among the open descriptors and set it there.
 */
#ifndef FLOODGATE_LISTEN_NODELAY_H
#define FLOODGATE_LISTEN_NODELAY_H

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

/*
 * Set TCP_NODELAY on every listening TCP socket bound to `port`. Returns how many were set (0 for a unix socket,
 * or when none was found).
 */
static int fg_listen_nodelay(int port)
{
	struct rlimit rl;
	int max = 4096, found = 0, one = 1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t) max)
		max = (int) rl.rlim_cur;
	for (int fd = 0; fd < max; fd++) {
		int listening = 0;
		socklen_t len = sizeof listening;
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
			continue;
		struct sockaddr_storage ss;
		len = sizeof ss;
		if (getsockname(fd, (struct sockaddr *) &ss, &len) != 0)
			continue;
		int p = -1;
		if (ss.ss_family == AF_INET)
			p = ntohs(((struct sockaddr_in *) &ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			p = ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
		if (p != port)
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0)
			found++;
	}
	return found;
}

/* The port of a libmilter connection spec `inet:PORT@HOST` or `inet6:PORT@HOST`; -1 for anything else. */
static int fg_spec_port(const char *spec)
{
	const char *p = NULL;
	if (strncmp(spec, "inet:", 5) == 0)
		p = spec + 5;
	else if (strncmp(spec, "inet6:", 6) == 0)
		p = spec + 6;
	if (p == NULL)
		return -1;
	int port = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		port = port * 10 + (*p - '0');
	return *p == '@' ? port : -1;
}

#endif
