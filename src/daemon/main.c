/* ioed: the ioe node daemon. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <czmq.h>

#include "conf.h"
#include "chat.h"
#include "ctl_server.h"
#include "daemon.h"
#include "datadir.h"
#include "log.h"
#include "files.h"
#include "mesh.h"
#include "voice.h"
#include "node.h"
#include "proto.h"
#include "util.h"

static const char usage_text[] =
    "usage: ioed [-fhvV] [-c FILE] [-d DIR] [-n NAME] [-l FILE]\n"
    "            [--listen tcp://HOST:PORT] [--peer tcp://HOST:PORT ...]\n"
    "            [--no-beacon]\n"
    "  -c, --config FILE   read this YAML file (default DIR/ioe.yaml if it exists)\n"
    "  -d, --dir DIR       data directory (default $IOE_DIR, else ~/.ioe)\n"
    "  -f, --foreground    stay in the foreground, log to stderr\n"
    "  -l, --log FILE      log file when detached (default DIR/ioed.log)\n"
    "  -n, --name NAME     node name (default: config name, else the host name)\n"
    "      --listen EP     accept mesh links on EP (tcp://HOST:PORT)\n"
    "      --peer EP       link to the node at EP (repeat for more)\n"
    "      --no-beacon     neither announce this node nor look for others by\n"
    "                      UDP broadcast\n"
    "  -v, --verbose       more log (repeat: info, then debug)\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n";

struct options {
	const char *config;
	const char *dir;
	const char *log;
	const char *name;
	const char *listen;
	char **peers;
	int npeers;
	bool foreground;
	bool no_beacon;
	int verbose;
};

static void
usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "ioed: %s '%s'\n%s", what, arg, usage_text);
	exit(2);
}

static void
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "log", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "listen", required_argument, NULL, 'L' },
		{ "peer", required_argument, NULL, 'P' },
		{ "no-beacon", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:d:fhl:n:vV", longopts,
		    NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'd': o->dir = optarg; break;
		case 'f': o->foreground = true; break;
		case 'l': o->log = optarg; break;
		case 'n': o->name = optarg; break;
		case 'v': o->verbose++; break;
		case 'L': o->listen = optarg; break;
		case 'B': o->no_beacon = true; break;
		case 'P':
			o->peers = realloc(o->peers,
			    (size_t)(o->npeers + 1) * sizeof *o->peers);
			if (o->peers == NULL)
				abort();
			o->peers[o->npeers++] = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("ioed %s (protocol %d)\n", PACKAGE_VERSION,
			    IOE_PROTOCOL_VERSION);
			exit(0);
		case ':':
		default:
			usage_error(c == ':' ? "missing value for option"
					     : "unknown option",
			    getopt_refused(argv));
		}
	}
	if (optind < argc)
		usage_error("unexpected argument", argv[optind]);
}

/* The host name made into a valid node name. Caller frees. */
static char *
host_node_name(void)
{
	char host[256] = "";
	char *name;
	size_t len;

	gethostname(host, sizeof host - 1);
	for (char *p = host; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' &&
		    *p != '-')
			*p = '-';
	}
	if (host[0] == '\0')
		return xstrdup("node");
	name = isalnum((unsigned char)host[0]) ? xstrdup(host)
					       : xasprintf("n%s", host);
	if ((len = strlen(name)) > IOE_NAME_MAX)
		name[IOE_NAME_MAX] = '\0';
	return name;
}

/* With -f, a closed terminal stops the daemon as SIGTERM does. */
static void
on_hangup(int sig)
{
	(void)sig;
	zsys_interrupted = 1;
}

static void
die(char *cause)
{
	fprintf(stderr, "ioed: %s\n", cause);
	free(cause);
	exit(1);
}

/* Reads the config, then lets the flags override it. */
static void
load_config(const struct options *o, const char *dir, conf_t *conf)
{
	char *path, *cause = NULL;
	enum log_level level;

	conf_defaults(conf);
	path = o->config != NULL ? xstrdup(o->config)
				 : xasprintf("%s/ioe.yaml", dir);
	if ((o->config != NULL || access(path, F_OK) == 0) &&
	    conf_load(conf, path, &cause) != 0)
		die(cause);
	free(path);
	if (o->name != NULL) {
		if (name_check(o->name, "node name", &cause) != 0)
			die(cause);
		free(conf->name);
		conf->name = xstrdup(o->name);
	}
	if (conf->name == NULL)
		conf->name = host_node_name();
	if (o->log != NULL) {
		free(conf->log_file);
		conf->log_file = xstrdup(o->log);
	}
	if (o->listen != NULL) {
		if (conf_check_endpoint(o->listen, "listen endpoint", &cause) !=
		    0)
			die(cause);
		free(conf->listen);
		conf->listen = xstrdup(o->listen);
	}
	if (o->no_beacon)
		conf->beacon_enabled = false;
	/* Peers on the command line replace those of the file. */
	if (o->npeers > 0) {
		for (size_t i = 0; i < conf->npeers; i++)
			free(conf->peers[i]);
		conf->npeers = 0;
		for (int i = 0; i < o->npeers; i++) {
			if (conf_add_peer(conf, o->peers[i], &cause) != 0)
				die(cause);
		}
	}
	level = LOG_LEVEL_WARNING + o->verbose;
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	if (level > conf->log_level)
		conf->log_level = level;
}

/* The event loop: the voice socket first (it is real time), the control
 * socket, then the mesh's sockets, and the timers. */
static void
run(ctl_server_t *server, mesh_t *mesh, voice_t *voice)
{
	zmq_pollitem_t items[256];
	long timeout = 1000;
	int64_t chat_us = 0;

	while (!zsys_interrupted) {
		size_t n = 2;
		int rc;
		long t;

		items[0] = (zmq_pollitem_t){ zsock_resolve(voice_socket(voice)),
			0, ZMQ_POLLIN, 0 };
		items[1] = (zmq_pollitem_t){
			zsock_resolve(ctl_server_socket(server)), 0, ZMQ_POLLIN,
			0 };
		n += mesh_pollitems(mesh, items + 2,
		    sizeof items / sizeof *items - 2);
		rc = zmq_poll(items, (int)n, timeout);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc > 0) {
			if (items[0].revents & ZMQ_POLLIN)
				voice_handle(voice);
			if (items[1].revents & ZMQ_POLLIN)
				ctl_server_handle(server);
			mesh_handle(mesh, items + 2, n - 2);
		}
		timeout = mesh_tick(mesh);
		if ((t = voice_tick(voice, time_mono_us())) < timeout)
			timeout = t;
		if (mesh_node(mesh)->files != NULL &&
		    (t = files_tick(mesh_node(mesh)->files, time_mono_us())) <
			timeout)
			timeout = t;
		/* Alerts past their deadline, about once a second. */
		if (time_mono_us() - chat_us >= 1000000) {
			chat_tick(mesh_node(mesh));
			chat_us = time_mono_us();
		}
	}
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	ctl_server_t *server = NULL;
	mesh_t *mesh = NULL;
	voice_t *voice = NULL;
	node_t *node = NULL;
	char *dir, *cause = NULL, *probe;
	FILE *logfp = NULL;
	conf_t conf;
	int lock;

	/* Descriptors inherited from whoever started us (a test harness, a
	 * shell's redirections) must not stay open for the daemon's life. */
	close_range(3, ~0U, 0);
	parse_options(argc, argv, &o);
	dir = datadir_resolve(o.dir);
	load_config(&o, dir, &conf);
	log_set_level(conf.log_level);
	signal(SIGPIPE, SIG_IGN);

	umask(077);
	if (daemon_make_dir(dir, &cause) != 0)
		die(cause);
	free(dir);
	dir = datadir_resolve(o.dir); /* now that it exists: absolute */
	/* Refuse a directory whose socket paths are too long before
	 * anything is created in it. */
	if ((probe = datadir_endpoint(dir, EVENTS_SOCKET_NAME, &cause)) ==
	    NULL)
		die(cause);
	free(probe);

	if (!o.foreground) {
		char *path = conf.log_file != NULL
		    ? xstrdup(conf.log_file)
		    : xasprintf("%s/ioed.log", dir);

		if ((logfp = fopen(path, "a")) == NULL)
			die(xasprintf("cannot open log file '%s': %s", path,
			    strerror(errno)));
		free(path);
		log_set_file(logfp);
		if (daemon_detach(&cause) != 0)
			die(cause);
		/* No terminal to hang up; the config is read at start only. */
		signal(SIGHUP, SIG_IGN);
	} else
		signal(SIGHUP, on_hangup);
	if ((lock = daemon_lock(dir, &cause)) < 0)
		die(cause);
	if ((node = node_new(dir, conf.name, &conf, &cause)) == NULL ||
	    (node->files = files_new(node, &conf, &cause)) == NULL ||
	    (server = ctl_server_new(node, &cause)) == NULL ||
	    (voice = voice_new(node, &conf, &cause)) == NULL ||
	    (mesh = mesh_new(node, &conf, &cause)) == NULL) {
		voice_destroy(&voice);
		ctl_server_destroy(&server);
		daemon_unlock(dir, lock);
		if (node != NULL)
			files_destroy(&node->files);
		node_destroy(&node);
		die(cause);
	}
	node->mesh = mesh;
	node->voice = voice;
	log_info("ready: node '%s', fingerprint %s, %lld entries, in '%s'",
	    node->name, node->identity->fingerprint,
	    (long long)store_count(node->store), dir);
	if (!o.foreground) {
		daemon_ready();
		dup2(fileno(logfp), STDERR_FILENO);
	}

	run(server, mesh, voice);
	log_info("stopping");
	node->voice = NULL;
	voice_destroy(&voice);
	mesh_destroy(&mesh);
	ctl_server_destroy(&server);
	files_destroy(&node->files);
	node_destroy(&node);
	daemon_unlock(dir, lock);
	conf_free(&conf);
	free(o.peers);
	free(dir);
	if (logfp != NULL)
		fclose(logfp);
	return 0;
}
