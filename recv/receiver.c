/* fukuhon-receiver: the receiving service for immediate delivery (即時処理通信; issue 10,
 * R-REALTIME, R-MUTUAL, R-INTRANSIT). Municipalities POST one package at a time to
 * /v1/packages over TLS 1.3 with their client certificate and get the signed receipt back.
 *
 * libevent's evhttp parses HTTP (no parser of our own) over bufferevent_openssl; the core
 * makes the TLS context and does everything else. One thread per process: an immediate
 * package takes milliseconds — with an RSA receiving key most of them three private-key
 * operations (its manifest's and chunk's key transport, the receipt's signature) that need
 * no lock; with an EC one (ECDH, ECDSA) mostly its durable writes. With
 * receiver_workers above 1 the service is that many worker processes accepting from one
 * listening socket, each with its own connection to the store and its own trust material:
 * their opening and signing run on the machine's cores side by side, and only the imports'
 * short write transactions take turns (the store's write lock, as with any other writer).
 * The first process only supervises: it binds, starts the workers, passes SIGTERM and SIGHUP
 * on, and stops them all if one dies (fail closed; systemd starts the service again).
 * Bounds: the request body (receiver_max_body), silence on a connection (receiver_timeout),
 * and connections at once over all workers (receiver_connections, counted in memory they
 * share: past it a connection is refused at once, in its TLS handshake). SIGTERM/SIGINT:
 * stop accepting, finish the request under way, exit; SIGHUP: make the TLS context again (a
 * new CRL or certificate) and load the trust material afresh (it is kept across packages,
 * and loaded again when its rows or key folder change). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fk.h"
#include "receive.h"
#include "tls.h"

#define PATH_PACKAGES "/v1/packages"
#define REFRESH_SECS 300 /* the TLS context is made again this often: CRLs that arrived */

typedef struct srv {
	struct event_base *base;
	struct evhttp *http;
	struct evconnlistener *lst;
	SSL_CTX *ssl;
	fk_ctx *ctx;
	fk_pki *pki; /* the trust material, kept across packages (fk_intake_receive) */
	int live, max;        /* this process's open connections; the limit over all workers */
	atomic_int *all;      /* open connections of every worker (shared memory with workers) */
	int workers;          /* how many share the listening socket (balance) */
	int stopping;         /* the listener is off for good (and may be freed) */
	int accepting;        /* the listener is on (balance) */
	int ex_index;
	int timeout;          /* receiver_timeout: also the time a TLS handshake may take in all */
	int64_t requests, failures, refused, slow;
	time_t refused_said; /* when the last refusal was said (one line a minute at most) */
	time_t slow_said;    /* the same for slow senders closed */
} srv;

/* One connection: its SSL object's ex_data, freed with it. */
typedef struct conn {
	srv *s;
	SSL *ssl;
	struct bufferevent *bev;
	struct event *deadline; /* the end of the time its handshake may take */
} conn;

static srv *the_srv; /* for the SSL ex_data free callback, which has no argument of ours */

__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	/* One line per event to stderr (the journal under systemd); never a package's content. */
	va_list ap;
	fputs("fukuhon-receiver: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Workers share out the connections: the kernel hands a new one to whichever worker accepts
 * first (each takes all that are waiting at once), so left alone one could get most of them
 * and leave the other core idle while its own senders wait. A worker with more connections
 * than its share of all open ones stops accepting until the others have caught up (checked
 * at each connection's start and end, and every 20 ms for the others' changes). */
static void balance(srv *s)
{
	if (s->workers < 2 || s->stopping || !s->lst)
		return;
	int want = s->live * s->workers <= atomic_load(s->all);
	if (want != s->accepting && (want ? evconnlistener_enable(s->lst) : evconnlistener_disable(s->lst)) == 0)
		s->accepting = want;
}

static void on_balance(evutil_socket_t fd, short what, void *arg)
{
	balance(arg);
}

/* A connection ends when its SSL object is freed (the bufferevent frees it): counted out. */
static void on_ssl_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	conn *c = ptr;
	if (c) {
		srv *s = c->s;
		if (c->deadline)
			event_free(c->deadline);
		free(c);
		s->live--;
		atomic_fetch_sub(s->all, 1);
		balance(s);
	}
}

/* Past the limit: refused at once in the TLS handshake — no cipher suite to agree on, so the
 * handshake fails on the client's first message and libevent closes the connection. Not left
 * waiting in the kernel's queue behind a paused listener: the client learns at once and sends
 * again later, and connections that say nothing cannot keep a municipality waiting. Said one
 * line a minute at most (a flood must not fill the journal). */
static int refuse_over_limit(srv *s, SSL *ssl, int open)
{
	/* TLS 1.3 only (the context's minimum): its suites are the only ones to take away */
	if (SSL_set_ciphersuites(ssl, "") != 1)
		return -1;
	s->refused++;
	time_t now = time(NULL);
	if (now - s->refused_said >= 60) {
		say("connection refused: %d open, the limit is %d (receiver_connections); %lld refused so far",
		    open - 1, s->max, (long long)s->refused);
		s->refused_said = now;
	}
	return 0;
}

/* A slow sender (slowloris) sends a byte of its handshake before each silence timeout
 * (receiver_timeout) and so would hold its slot for ever; with receiver_connections of them
 * no municipality could deliver. Whoever has not finished the TLS handshake receiver_timeout
 * after connecting is closed, however much it keeps sending. After the handshake the sender
 * holds a municipality's verified certificate (the handshake requires one): it is known and
 * its certificate can be revoked, and only its silence is bounded. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	conn *c = arg;
	srv *s = c->s;
	if (SSL_is_init_finished(c->ssl))
		return;
	s->slow++;
	time_t now = time(NULL);
	if (now - s->slow_said >= 60) {
		say("connection closed: its TLS handshake was not done %d s after it connected (a slow "
		    "sender); %lld closed so far", s->timeout, (long long)s->slow);
		s->slow_said = now;
	}
	/* Shut, not freed: evhttp sees the end of the stream and frees the connection itself. */
	int sock = bufferevent_getfd(c->bev);
	if (sock >= 0)
		(void)shutdown(sock, SHUT_RDWR);
}

static struct bufferevent *on_connection(struct event_base *base, void *arg)
{
	srv *s = arg;
	SSL *ssl = SSL_new(s->ssl);
	conn *c = calloc(1, sizeof *c);
	if (!ssl || !c || !SSL_set_ex_data(ssl, s->ex_index, c)) {
		SSL_free(ssl);
		free(c);
		return NULL;
	}
	c->s = s;
	c->ssl = ssl;
	/* Counted in now: from here the SSL object's free callback counts it out, whoever frees
	 * it. If libevent fails (out of memory), whether it freed the object depends on where it
	 * failed, so it is not freed here: never twice; at worst one slot stays taken. */
	s->live++;
	int open = atomic_fetch_add(s->all, 1) + 1;
	if (open > s->max && refuse_over_limit(s, ssl, open) != 0) {
		/* Not refused as meant: not admitted either. Freed (and so counted out), evhttp
		 * speaks plain HTTP on it, which a TLS client cannot use, and no handler is
		 * reached without a verified certificate (on_package). */
		SSL_free(ssl);
		return NULL;
	}
	balance(s);
	struct timeval t = {s->timeout, 0};
	c->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev && (!(c->deadline = evtimer_new(base, on_deadline, c)) || evtimer_add(c->deadline, &t) != 0)) {
		/* No deadline, no connection (fail closed): freeing it frees its SSL object. */
		bufferevent_free(c->bev);
		return NULL;
	}
	return c->bev;
}

static void reply_text(struct evhttp_request *req, int code, const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();
	if (b)
		evbuffer_add_printf(b, "%s\n", text);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; charset=utf-8");
	evhttp_send_reply(req, code, reason, b);
	if (b)
		evbuffer_free(b);
}

static void on_package(struct evhttp_request *req, void *arg)
{
	srv *s = arg;
	s->requests++;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		reply_text(req, 405, "Method Not Allowed", "POST a package");
		return;
	}
	struct evhttp_connection *con = evhttp_request_get_connection(req);
	struct bufferevent *bev = con ? evhttp_connection_get_bufferevent(con) : NULL;
	X509 *peer = fk_pki_tls_peer(bev ? bufferevent_openssl_get_ssl(bev) : NULL);
	if (!peer) { /* the handshake requires one; never go on without */
		reply_text(req, 403, "Forbidden", "a verified client certificate is required");
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t n = evbuffer_get_length(in);
	const uint8_t *body = n ? evbuffer_pullup(in, -1) : (const uint8_t *)"";
	if (!body) {
		reply_text(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	uint8_t *receipt = NULL;
	size_t rn = 0;
	fk_error err;
	fk_error_clear(&err);
	fk_status st = fk_intake_receive(s->ctx, &s->pki, body, n, peer, &receipt, &rn, &err);
	if (st == FK_ERR_BUSY) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "5");
		reply_text(req, 503, "Service Unavailable", "another package is being imported: send again later");
		return;
	}
	if (st != FK_OK) {
		s->failures++;
		char safe[FK_ERRMSG_MAX];
		fk_disp_clean(err.msg, safe, sizeof safe);
		say("package not handled: %s", safe);
		reply_text(req, 500, "Internal Server Error", "the package could not be handled: send again later");
		return;
	}
	struct evbuffer *b = evbuffer_new();
	if (!b || evbuffer_add(b, receipt, rn) != 0) {
		reply_text(req, 500, "Internal Server Error", "out of memory");
	} else {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
				  "application/pkcs7-mime; smime-type=signed-data");
		evhttp_send_reply(req, 200, "OK", b);
	}
	if (b)
		evbuffer_free(b);
	free(receipt);
}

static void on_other(struct evhttp_request *req, void *arg)
{
	reply_text(req, 404, "Not Found", "the one path is " PATH_PACKAGES);
}

static int make_tls(srv *s)
{
	fk_error err;
	fk_error_clear(&err);
	SSL_CTX *c = NULL;
	if (fk_intake_tls(s->ctx, &c, &err) != FK_OK) {
		char safe[FK_ERRMSG_MAX];
		fk_disp_clean(err.msg, safe, sizeof safe);
		say("%s", safe);
		return -1;
	}
	SSL_CTX_free(s->ssl); /* connections under way keep a reference to theirs */
	s->ssl = c;
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	srv *s = arg;
	if (sig == SIGHUP) {
		/* Whatever changed, loaded afresh for the next package too. */
		fk_pki_free(s->pki);
		s->pki = NULL;
		if (make_tls(s) == 0)
			say("TLS context made again");
		return;
	}
	say("stopping: %d connections open, %lld refused over the limit", s->live, (long long)s->refused);
	s->stopping = 1;
	if (s->lst)
		evconnlistener_disable(s->lst);
	event_base_loopexit(s->base, NULL);
}

static void on_refresh(evutil_socket_t fd, short what, void *arg)
{
	make_tls(arg); /* keeps the old one when the new one cannot be made, and says why */
}

static int split_listen(const char *spec, char *host, size_t hn, unsigned short *port)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || (size_t)(colon - spec) >= hn)
		return -1;
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (errno || *end || p < 1 || p > 65535)
		return -1;
	size_t len = (size_t)(colon - spec);
	/* [::1]:8443 */
	if (spec[0] == '[' && len >= 2 && spec[len - 1] == ']') {
		memcpy(host, spec + 1, len - 2);
		host[len - 2] = '\0';
	} else {
		memcpy(host, spec, len);
		host[len] = '\0';
	}
	*port = (unsigned short)p;
	return 0;
}

static int usage(void)
{
	fputs("usage: fukuhon-receiver [--config FILE] [--listen ADDRESS:PORT]\n", stderr);
	return 2;
}

static void say_error(const fk_error *err)
{
	char safe[FK_ERRMSG_MAX];
	fk_disp_clean(err->msg, safe, sizeof safe);
	say("%s", safe);
}

/* One process serving: its own store connection, TLS context and event loop. fd: the
 * listening socket the supervisor made (-1: bind listen_at here); all: the count of open
 * connections shared with the other workers. */
static int serve(const char *config, const char *listen_at, evutil_socket_t fd, atomic_int *all,
		 int workers, const char *who)
{
	srv s = {.max = 1, .all = all, .workers = workers, .accepting = 1};
	the_srv = &s;
	fk_error err;
	fk_error_clear(&err);
	int rc = 1;
	if (fk_ctx_open(config, FK_CTX_OPEN, &s.ctx, &err) != FK_OK) {
		say_error(&err);
		return 1;
	}
	if (fk_audit_start_with(s.ctx, "fukuhon-receiver", "service", &err) != FK_OK) {
		say_error(&err);
		fk_ctx_close(s.ctx);
		return 1;
	}
	const fk_config *cfg = &s.ctx->cfg;
	s.max = cfg->receiver_connections;
	s.timeout = cfg->receiver_timeout;
	char host[256];
	unsigned short port = 0;
	if (!listen_at)
		listen_at = cfg->receiver_listen;
	signal(SIGPIPE, SIG_IGN);
	struct event *sig[3] = {NULL, NULL, NULL}, *refresh = NULL, *share = NULL;
	struct evhttp_bound_socket *bound = NULL;
	s.ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, on_ssl_free);
	if (fd < 0 && split_listen(listen_at, host, sizeof host, &port) != 0) {
		say("cannot listen on \"%s\": give ADDRESS:PORT", listen_at);
		goto out;
	}
	if (s.ex_index < 0 || make_tls(&s) != 0)
		goto out;
	if (!(s.base = event_base_new()) || !(s.http = evhttp_new(s.base)))
		goto out;
	evhttp_set_max_body_size(s.http, cfg->receiver_max_body);
	evhttp_set_max_headers_size(s.http, 16384);
	evhttp_set_timeout(s.http, cfg->receiver_timeout);
	evhttp_set_allowed_methods(s.http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
	evhttp_set_bevcb(s.http, on_connection, &s);
	if (evhttp_set_cb(s.http, PATH_PACKAGES, on_package, &s) != 0)
		goto out;
	evhttp_set_gencb(s.http, on_other, &s);
	bound = fd >= 0 ? evhttp_accept_socket_with_handle(s.http, fd)
			: evhttp_bind_socket_with_handle(s.http, host, port);
	if (!bound) {
		say("cannot listen on %s: %s", listen_at, strerror(errno));
		goto out;
	}
	s.lst = evhttp_bound_socket_get_listener(bound);
	/* Accepted sockets inherit it (Linux): a receipt goes out at once, not after the
	 * client's delayed acknowledgement (40 ms a package otherwise). */
	int one = 1;
	if (setsockopt(evconnlistener_get_fd(s.lst), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0)
		say("cannot set TCP_NODELAY: %s", strerror(errno));
	int sigs[3] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++)
		if (!(sig[i] = evsignal_new(s.base, sigs[i], on_signal, &s)) || evsignal_add(sig[i], NULL) != 0)
			goto out;
	struct timeval every = {REFRESH_SECS, 0};
	if (!(refresh = event_new(s.base, -1, EV_PERSIST, on_refresh, &s)) || event_add(refresh, &every) != 0)
		goto out;
	struct timeval often = {0, 20000};
	if (workers > 1 && (!(share = event_new(s.base, -1, EV_PERSIST, on_balance, &s)) ||
			    event_add(share, &often) != 0))
		goto out;
	say("listening on %s%s", listen_at, who);
	fflush(stderr);
	rc = event_base_dispatch(s.base) < 0 ? 1 : 0;
out:
	for (int i = 0; i < 3; i++)
		if (sig[i])
			event_free(sig[i]);
	if (refresh)
		event_free(refresh);
	if (share)
		event_free(share);
	s.stopping = 1; /* the listener goes with evhttp: balance no more */
	if (s.http) {
		evhttp_free(s.http); /* closes the connections: their SSL objects go */
		/* every connection counted out: a count left here is a slot that leaked */
		say("stopped: %d connections left%s", s.live, who);
	}
	if (s.base)
		event_base_free(s.base);
	SSL_CTX_free(s.ssl);
	fk_pki_free(s.pki);
	fk_audit_stop(s.ctx, "fukuhon-receiver", &err);
	fk_ctx_close(s.ctx);
	return rc;
}

/* The supervisor's listening socket, made before the workers start so that they all accept
 * from it: non-blocking (a worker woken with another taking the connection finds none). */
static int listen_socket(const char *listen_at)
{
	char host[256], service[8];
	unsigned short port;
	if (split_listen(listen_at, host, sizeof host, &port) != 0) {
		say("cannot listen on \"%s\": give ADDRESS:PORT", listen_at);
		return -1;
	}
	snprintf(service, sizeof service, "%u", (unsigned)port);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE}, *ai = NULL;
	int e = getaddrinfo(host, service, &hints, &ai);
	if (e != 0) {
		say("cannot listen on %s: %s", listen_at, gai_strerror(e));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		say("cannot listen on %s: %s", listen_at, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static void stop_workers(const pid_t *pid, int n, int sig)
{
	for (int i = 0; i < n; i++)
		if (pid[i] > 0)
			kill(pid[i], sig);
}

/* n workers on one listening socket; the supervisor waits for signals and for its workers.
 * A worker that ends while the service is not stopping stops them all: a service with one
 * of its workers gone would take connections it never answers. */
static int supervise(const char *config, const char *listen_at, int n)
{
	int fd = listen_socket(listen_at);
	if (fd < 0)
		return 1;
	atomic_int *all = mmap(NULL, sizeof *all, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t *pid = calloc((size_t)n, sizeof *pid);
	if (all == MAP_FAILED || !pid) {
		say("out of memory");
		close(fd);
		free(pid);
		return 1;
	}
	atomic_init(all, 0);
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	/* Blocked before the workers start, so that none is missed; each worker unblocks them
	 * for its own event loop. */
	sigprocmask(SIG_BLOCK, &set, &old);
	int rc = 0, left = 0, stopping = 0;
	for (int i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			char who[48];
			free(pid);
			sigprocmask(SIG_SETMASK, &old, NULL);
			snprintf(who, sizeof who, " (worker %d of %d)", i + 1, n);
			exit(serve(config, listen_at, fd, all, n, who));
		}
		if (pid[i] < 0) {
			say("cannot start a worker: %s", strerror(errno));
			rc = 1;
			stopping = 1;
			stop_workers(pid, i, SIGTERM);
			break;
		}
		left++;
	}
	close(fd); /* the workers have it */
	while (left > 0) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			stop_workers(pid, n, SIGHUP);
		} else if (sig == SIGTERM || sig == SIGINT) {
			stopping = 1;
			stop_workers(pid, n, SIGTERM);
		} else {
			int st;
			pid_t p;
			while ((p = waitpid(-1, &st, WNOHANG)) > 0)
				for (int i = 0; i < n; i++)
					if (pid[i] == p) {
						pid[i] = 0;
						left--;
						if (!stopping || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
							rc = 1;
						if (!stopping) {
							say("a worker ended (status %d): stopping the others", st);
							stopping = 1;
							stop_workers(pid, n, SIGTERM);
						}
					}
		}
	}
	say("stopped: %d connections left over all workers", atomic_load(all));
	munmap(all, sizeof *all);
	free(pid);
	return rc;
}

int main(int argc, char **argv)
{
	const char *config = NULL, *listen_at = NULL;
	setlocale(LC_ALL, "");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc)
			listen_at = argv[++i];
		else if (!strcmp(argv[i], "--version")) {
			puts(PACKAGE_STRING);
			return 0;
		} else
			return usage();
	}
	/* The configuration alone, for the number of workers: the store is opened by each
	 * worker after it starts (a connection to it is never carried across fork). */
	fk_config cfg;
	fk_error err;
	fk_error_clear(&err);
	if (fk_config_load(config, &cfg, &err) != FK_OK) {
		say_error(&err);
		return 1;
	}
	int workers = cfg.receiver_workers;
	char *at = strdup(listen_at ? listen_at : cfg.receiver_listen ? cfg.receiver_listen : "");
	fk_config_free(&cfg);
	if (!at) {
		say("out of memory");
		return 1;
	}
	atomic_int one_process;
	atomic_init(&one_process, 0);
	int rc = workers > 1 ? supervise(config, at, workers) : serve(config, at, -1, &one_process, 1, "");
	free(at);
	return rc;
}
