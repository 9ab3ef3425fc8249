#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "conf.h"
#include "util.h"

/* A key's setter checks the scalar and stores it; returns 0, or -1 with
 * *cause set to the reason (without file and line). */
typedef int (*conf_setter)(conf_t *, const char *, char **);

static int
conf_set_name(conf_t *self, const char *value, char **cause)
{
	if (name_check(value, "node name", cause) != 0)
		return -1;
	free(self->name);
	self->name = xstrdup(value);
	return 0;
}

static int
conf_set_log_level(conf_t *self, const char *value, char **cause)
{
	if (log_level_parse(value, &self->log_level) != 0)
		return fail(cause, "bad log.level '%s': use error, warning, "
				   "info or debug",
		    value);
	return 0;
}

static int
conf_set_log_file(conf_t *self, const char *value, char **cause)
{
	if (*value == '\0')
		return fail(cause, "log.file is empty");
	free(self->log_file);
	self->log_file = xstrdup(value);
	return 0;
}

static int
conf_set_store_sync(conf_t *self, const char *value, char **cause)
{
	if (strcmp(value, "full") == 0)
		self->store_sync = STORE_SYNC_FULL;
	else if (strcmp(value, "normal") == 0)
		self->store_sync = STORE_SYNC_NORMAL;
	else
		return fail(cause, "bad store.sync '%s': use full or normal",
		    value);
	return 0;
}

/* A byte limit within 1..ENTRY_BODY_MAX into *out. */
static int
conf_set_max_bytes(const char *key, const char *value, int64_t *out,
    char **cause)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(value, &end, 10);
	if (!isdigit((unsigned char)*value) || *end != '\0' || errno != 0)
		return fail(cause, "bad %s '%s': not a whole number", key,
		    value);
	if (n < 1 || n > ENTRY_BODY_MAX)
		return fail(cause, "bad %s %lld: must be within 1..%d", key, n,
		    ENTRY_BODY_MAX);
	*out = n;
	return 0;
}

static int
conf_set_journal_max_bytes(conf_t *self, const char *value, char **cause)
{
	return conf_set_max_bytes("journal.max_bytes", value,
	    &self->journal_max_bytes, cause);
}

static int
conf_set_chat_max_bytes(conf_t *self, const char *value, char **cause)
{
	return conf_set_max_bytes("chat.max_bytes", value,
	    &self->chat_max_bytes, cause);
}

/* A size in bytes, with an optional K, M, G or T (powers of 1024). */
static int
conf_set_files_quota(conf_t *self, const char *value, char **cause)
{
	static const char units[] = "KMGT";
	unsigned long long n;
	const char *u;
	char *end;

	errno = 0;
	n = strtoull(value, &end, 10);
	if (!isdigit((unsigned char)*value) || errno != 0 ||
	    (*end != '\0' && (end[1] != '\0' ||
				 (u = strchr(units, toupper(
				      (unsigned char)*end))) == NULL)))
		return fail(cause, "bad files.quota '%s': a number of bytes, "
				   "with K, M, G or T after it if you like",
		    value);
	if (*end != '\0') {
		for (const char *p = units; p <= u; p++) {
			if (n > (UINT64_MAX >> 10))
				return fail(cause, "bad files.quota '%s': too "
						   "large",
				    value);
			n <<= 10;
		}
	}
	self->files_quota = n;
	return 0;
}

/* A whole number within min..max, else -1. */
static long
conf_number(const char *value, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (!isdigit((unsigned char)*value) || *end != '\0' || errno != 0 ||
	    n < min || n > max)
		return -1;
	return n;
}

static int
conf_set_files_replicas(conf_t *self, const char *value, char **cause)
{
	long n = conf_number(value, 0, 1000);

	if (n < 0)
		return fail(cause, "bad files.replicas '%s': a number of nodes "
				   "within 0..1000 (0: every node)",
		    value);
	self->files_replicas = (unsigned)n;
	return 0;
}

static int
conf_set_voice_hops(conf_t *self, const char *value, char **cause)
{
	long n = conf_number(value, 1, 32);

	if (n < 0)
		return fail(cause, "bad voice.hops '%s': a number of hops "
				   "within 1..32",
		    value);
	self->voice_hops = (unsigned)n;
	return 0;
}

int
conf_check_endpoint(const char *endpoint, const char *what, char **cause)
{
	const char *p = endpoint + 6, *colon;
	long port;
	char *end;

	if (strncmp(endpoint, "tcp://", 6) != 0 ||
	    (colon = strrchr(p, ':')) == NULL || colon == p)
		return fail(cause, "bad %s '%s': use tcp://HOST:PORT", what,
		    endpoint);
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return fail(cause, "bad %s '%s': the port must be 1..65535",
		    what, endpoint);
	return 0;
}

static int
conf_set_listen(conf_t *self, const char *value, char **cause)
{
	if (conf_check_endpoint(value, "listen endpoint", cause) != 0)
		return -1;
	free(self->listen);
	self->listen = xstrdup(value);
	return 0;
}

static int
conf_set_beacon_enabled(conf_t *self, const char *value, char **cause)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };

	for (size_t i = 0; i < 3; i++) {
		if (strcmp(value, yes[i]) == 0) {
			self->beacon_enabled = true;
			return 0;
		}
		if (strcmp(value, no[i]) == 0) {
			self->beacon_enabled = false;
			return 0;
		}
	}
	return fail(cause, "bad beacon.enabled '%s': use true or false",
	    value);
}

static int
conf_set_beacon_port(conf_t *self, const char *value, char **cause)
{
	char *end;
	long n = strtol(value, &end, 10);

	if (!isdigit((unsigned char)*value) || *end != '\0' || n < 1 ||
	    n > 65535)
		return fail(cause, "bad beacon.port '%s': use 1..65535", value);
	self->beacon_port = (int)n;
	return 0;
}

static int
conf_set_beacon_interface(conf_t *self, const char *value, char **cause)
{
	if (*value == '\0' || strlen(value) > 15 ||
	    strspn(value, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			  "0123456789._-@") != strlen(value))
		return fail(cause, "bad beacon.interface '%s': give a network "
				   "interface name such as eth0",
		    value);
	free(self->beacon_interface);
	self->beacon_interface = xstrdup(value);
	return 0;
}

int
conf_add_peer(conf_t *self, const char *endpoint, char **cause)
{
	if (conf_check_endpoint(endpoint, "peer", cause) != 0)
		return -1;
	self->peers = realloc(self->peers, (self->npeers + 1) * sizeof
	    *self->peers);
	if (self->peers == NULL)
		abort();
	self->peers[self->npeers++] = xstrdup(endpoint);
	return 0;
}

/* Every key; a NULL setter marks a mapping of further keys, a list key
 * calls its setter once per item. */
static const struct conf_key {
	const char *path;
	conf_setter set;
	const char *type;	/* as said in "wants ..." errors */
	bool list;
} conf_keys[] = {
	{ "listen", conf_set_listen, "an endpoint", false },
	{ "peers", conf_add_peer, "a list of endpoints", true },
	{ "beacon", NULL, "a mapping", false },
	{ "beacon.enabled", conf_set_beacon_enabled, "true or false", false },
	{ "beacon.port", conf_set_beacon_port, "a port", false },
	{ "beacon.interface", conf_set_beacon_interface, "an interface",
	    false },
	{ "name", conf_set_name, "a name", false },
	{ "log", NULL, "a mapping", false },
	{ "log.level", conf_set_log_level, "a level", false },
	{ "log.file", conf_set_log_file, "a file name", false },
	{ "store", NULL, "a mapping", false },
	{ "store.sync", conf_set_store_sync, "full or normal", false },
	{ "journal", NULL, "a mapping", false },
	{ "journal.max_bytes", conf_set_journal_max_bytes, "a number", false },
	{ "chat", NULL, "a mapping", false },
	{ "chat.max_bytes", conf_set_chat_max_bytes, "a number", false },
	{ "files", NULL, "a mapping", false },
	{ "files.quota", conf_set_files_quota, "a size", false },
	{ "files.replicas", conf_set_files_replicas, "a number", false },
	{ "voice", NULL, "a mapping", false },
	{ "voice.hops", conf_set_voice_hops, "a number", false },
};

static const struct conf_key *
conf_key_find(const char *path)
{
	for (size_t i = 0; i < sizeof conf_keys / sizeof *conf_keys; i++) {
		if (strcmp(conf_keys[i].path, path) == 0)
			return &conf_keys[i];
	}
	return NULL;
}

static const char *
conf_node_type(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a list";
	default: return "a value";
	}
}

static int
conf_walk(conf_t *self, yaml_document_t *doc, yaml_node_t *map,
    const char *prefix, const char *file, char **cause)
{
	for (yaml_node_pair_t *pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(doc, pair->key);
		yaml_node_t *value = yaml_document_get_node(doc, pair->value);
		unsigned long line = key->start_mark.line + 1;
		const struct conf_key *k;
		char *path, *reason = NULL;
		int rc = 0;

		if (key->type != YAML_SCALAR_NODE)
			return fail(cause, "%s:%lu: a key must be a plain name",
			    file, line);
		/* Later pairs with the same key would silently win. */
		for (yaml_node_pair_t *seen = map->data.mapping.pairs.start;
		     seen < pair; seen++) {
			yaml_node_t *other = yaml_document_get_node(doc,
			    seen->key);

			if (other->type == YAML_SCALAR_NODE &&
			    strcmp((char *)other->data.scalar.value,
				(char *)key->data.scalar.value) == 0)
				return fail(cause,
				    "%s:%lu: duplicate key '%s' (first on line "
				    "%lu)",
				    file, line, key->data.scalar.value,
				    (unsigned long)other->start_mark.line + 1);
		}
		path = *prefix != '\0'
		    ? xasprintf("%s.%s", prefix, key->data.scalar.value)
		    : xstrdup((char *)key->data.scalar.value);
		if ((k = conf_key_find(path)) == NULL) {
			char *shown = text_escape(path, strlen(path));

			rc = fail(cause, "%s:%lu: unknown key '%s'", file, line,
			    shown);
			free(shown);
		} else if (k->set == NULL) {
			if (value->type != YAML_MAPPING_NODE)
				rc = fail(cause,
				    "%s:%lu: '%s' wants a mapping of keys, "
				    "not %s",
				    file, line, path, conf_node_type(value));
			else
				rc = conf_walk(self, doc, value, path, file,
				    cause);
		} else if (k->list) {
			if (value->type != YAML_SEQUENCE_NODE)
				rc = fail(cause, "%s:%lu: '%s' wants %s, not %s",
				    file, line, path, k->type,
				    conf_node_type(value));
			for (yaml_node_item_t *item =
				 value->data.sequence.items.start;
			     rc == 0 && item < value->data.sequence.items.top;
			     item++) {
				yaml_node_t *v = yaml_document_get_node(doc,
				    *item);

				if (v->type != YAML_SCALAR_NODE)
					rc = fail(cause, "%s:%lu: each of '%s' "
							 "must be a value, not %s",
					    file,
					    (unsigned long)v->start_mark.line + 1,
					    path, conf_node_type(v));
				else if (k->set(self,
					     (char *)v->data.scalar.value,
					     &reason) != 0) {
					rc = fail(cause, "%s:%lu: %s", file,
					    (unsigned long)v->start_mark.line +
						1,
					    reason);
					free(reason);
				}
			}
		} else if (value->type != YAML_SCALAR_NODE)
			rc = fail(cause, "%s:%lu: '%s' wants %s, not %s", file,
			    line, path, k->type, conf_node_type(value));
		else if (k->set(self, (char *)value->data.scalar.value,
			     &reason) != 0) {
			rc = fail(cause, "%s:%lu: %s", file,
			    (unsigned long)value->start_mark.line + 1,
			    reason);
			free(reason);
		}
		free(path);
		if (rc != 0)
			return -1;
	}
	return 0;
}

static void
conf_copy(conf_t *dst, const conf_t *src)
{
	*dst = *src;
	dst->name = src->name != NULL ? xstrdup(src->name) : NULL;
	dst->log_file = src->log_file != NULL ? xstrdup(src->log_file) : NULL;
	dst->listen = src->listen != NULL ? xstrdup(src->listen) : NULL;
	dst->beacon_interface = src->beacon_interface != NULL
	    ? xstrdup(src->beacon_interface)
	    : NULL;
	dst->peers = NULL;
	dst->npeers = 0;
	for (size_t i = 0; i < src->npeers; i++)
		conf_add_peer(dst, src->peers[i], NULL);
}

int
conf_load(conf_t *self, const char *path, char **cause)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct stat st;
	conf_t next;
	FILE *fp;
	int rc = -1;

	if ((fp = fopen(path, "r")) == NULL)
		return fail(cause, "%s:0: cannot open: %s", path,
		    strerror(errno));
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return fail(cause, "%s:0: not a regular file", path);
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = fail(cause, "%s:%lu: %s%s%s", path,
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem != NULL ? parser.problem : "syntax error",
		    parser.context != NULL ? " " : "",
		    parser.context != NULL ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(fp);
		return rc;
	}
	/* Work on a copy so a refused file changes nothing. */
	conf_copy(&next, self);
	root = yaml_document_get_root_node(&doc);
	if (root == NULL)
		rc = 0;	/* An empty file: every default holds. */
	else if (root->type != YAML_MAPPING_NODE)
		rc = fail(cause, "%s:%lu: the file must be a mapping of keys, "
				 "not %s",
		    path, (unsigned long)root->start_mark.line + 1,
		    conf_node_type(root));
	else
		rc = conf_walk(&next, &doc, root, "", path, cause);
	if (rc == 0) {
		/* A second document would be silently ignored. */
		yaml_document_t more;

		if (!yaml_parser_load(&parser, &more))
			rc = fail(cause, "%s:%lu: %s", path,
			    (unsigned long)parser.problem_mark.line + 1,
			    parser.problem != NULL ? parser.problem
						   : "syntax error");
		else {
			yaml_node_t *extra = yaml_document_get_root_node(&more);

			if (extra != NULL)
				rc = fail(cause, "%s:%lu: only one YAML "
						 "document is allowed",
				    path,
				    (unsigned long)extra->start_mark.line + 1);
			yaml_document_delete(&more);
		}
	}
	if (rc == 0) {
		conf_free(self);
		*self = next;
	} else
		conf_free(&next);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rc;
}

void
conf_defaults(conf_t *self)
{
	memset(self, 0, sizeof *self);
	self->log_level = LOG_LEVEL_WARNING;
	self->store_sync = STORE_SYNC_FULL;
	self->journal_max_bytes = CONF_JOURNAL_MAX_BYTES_DEFAULT;
	self->chat_max_bytes = CONF_JOURNAL_MAX_BYTES_DEFAULT;
	self->beacon_enabled = true;
	self->beacon_port = CONF_BEACON_PORT_DEFAULT;
	self->voice_hops = CONF_VOICE_HOPS_DEFAULT;
}

void
conf_free(conf_t *self)
{
	free(self->name);
	free(self->log_file);
	free(self->listen);
	free(self->beacon_interface);
	self->beacon_interface = NULL;
	for (size_t i = 0; i < self->npeers; i++)
		free(self->peers[i]);
	free(self->peers);
	self->name = self->log_file = self->listen = NULL;
	self->peers = NULL;
	self->npeers = 0;
}

/* Loads text from a file and returns the error, or NULL if it loaded. */
static char *
conf_test_load(conf_t *conf, const char *dir, const char *text)
{
	char *path = xasprintf("%s/ioe.yaml", dir), *cause = NULL;
	FILE *fp = fopen(path, "w");

	assert(fp != NULL);
	fputs(text, fp);
	fclose(fp);
	if (conf_load(conf, path, &cause) == 0)
		assert(cause == NULL);
	free(path);
	return cause;
}

static void
conf_test_refused(const char *dir, const char *text, const char *want)
{
	conf_t conf;
	char *cause;

	conf_defaults(&conf);
	cause = conf_test_load(&conf, dir, text);
	if (cause == NULL || strstr(cause, want) == NULL) {
		fprintf(stderr, "for '%s': got '%s', wanted '%s'\n", text,
		    cause != NULL ? cause : "(accepted)", want);
		abort();
	}
	/* Nothing of a refused file is kept. */
	assert(conf.name == NULL && conf.journal_max_bytes == 16384);
	free(cause);
	conf_free(&conf);
}

void
conf_test(bool verbose)
{
	char dir[] = "/tmp/ioe-conf-test-XXXXXX";
	conf_t conf;
	char *cause, *cmd;

	(void)verbose;
	assert(mkdtemp(dir) != NULL);
	conf_defaults(&conf);
	assert(conf_test_load(&conf, dir, "") == NULL);
	assert(conf.name == NULL);
	assert(conf_test_load(&conf, dir,
		   "name: alpha\nlog:\n  level: debug\n  file: /tmp/x.log\n"
		   "store:\n  sync: normal\njournal:\n  max_bytes: 100\n") ==
	    NULL);
	assert(strcmp(conf.name, "alpha") == 0);
	assert(conf.log_level == LOG_LEVEL_DEBUG);
	assert(strcmp(conf.log_file, "/tmp/x.log") == 0);
	assert(conf.store_sync == STORE_SYNC_NORMAL);
	assert(conf.journal_max_bytes == 100);
	conf_free(&conf);
	conf_defaults(&conf);
	assert(conf.files_quota == 0 && conf.files_replicas == 0);
	assert(conf_test_load(&conf, dir,
		   "files:\n  quota: 2G\n  replicas: 3\n") == NULL);
	assert(conf.files_quota == UINT64_C(2) << 30 && conf.files_replicas == 3);
	assert(conf_test_load(&conf, dir, "files:\n  quota: 1500\n") == NULL);
	assert(conf.files_quota == 1500);
	assert(conf.voice_hops == CONF_VOICE_HOPS_DEFAULT);
	assert(conf_test_load(&conf, dir, "voice:\n  hops: 3\n") == NULL);
	assert(conf.voice_hops == 3);
	conf_free(&conf);

	assert(conf_test_load(&conf, dir,
		   "listen: tcp://127.0.0.1:7100\npeers:\n  - tcp://a:1\n"
		   "  - tcp://10.0.0.2:7100\n") == NULL);
	assert(strcmp(conf.listen, "tcp://127.0.0.1:7100") == 0);
	assert(conf.npeers == 2 && strcmp(conf.peers[1], "tcp://10.0.0.2:7100") == 0);
	conf_free(&conf);
	conf_defaults(&conf);
	assert(conf_test_load(&conf, dir,
		   "beacon:\n  enabled: false\n  port: 7300\n"
		   "  interface: vethB\n") == NULL);
	assert(!conf.beacon_enabled && conf.beacon_port == 7300 &&
	    strcmp(conf.beacon_interface, "vethB") == 0);
	conf_free(&conf);
	conf_defaults(&conf);
	conf_test_refused(dir, "beacon:\n  enabled: maybe\n", ":2: bad beacon.enabled");
	conf_test_refused(dir, "beacon:\n  port: 0\n", ":2: bad beacon.port");
	conf_test_refused(dir, "beacon:\n  interface: a b\n", "bad beacon.interface");
	conf_test_refused(dir, "listen: udp://x:1\n", ":1: bad listen endpoint");
	conf_test_refused(dir, "listen: tcp://x:0\n", "port must be");
	conf_test_refused(dir, "peers: tcp://x:1\n", "'peers' wants a list");
	conf_test_refused(dir, "peers:\n  - tcp://x:1\n  - nope\n", ":3: bad peer 'nope'");
	conf_test_refused(dir, "peers:\n  - [a]\n", ":2: each of 'peers'");
	conf_test_refused(dir, "nmae: alpha\n", "ioe.yaml:1: unknown key 'nmae'");
	conf_test_refused(dir, "name: a\nlog:\n  levle: info\n",
	    ":3: unknown key 'log.levle'");
	conf_test_refused(dir, "name: [a, b]\n",
	    ":1: 'name' wants a name, not a list");
	conf_test_refused(dir, "log: debug\n",
	    ":1: 'log' wants a mapping of keys, not a value");
	conf_test_refused(dir, "store:\n  sync:\n    a: 1\n",
	    ":2: 'store.sync' wants full or normal, not a mapping");
	conf_test_refused(dir, "name: -bad\n", ":1: node name must start");
	conf_test_refused(dir, "name: a b\n", ":1: node name 'a b' may only");
	conf_test_refused(dir, "log:\n  level: loud\n", ":2: bad log.level 'loud'");
	conf_test_refused(dir, "store:\n  sync: maybe\n", ":2: bad store.sync");
	conf_test_refused(dir, "journal:\n  max_bytes: 0\n", ":2: bad journal.max_bytes 0");
	conf_test_refused(dir, "journal:\n  max_bytes: 99999999\n", "within 1..");
	conf_test_refused(dir, "journal:\n  max_bytes: ten\n", "not a whole number");
	conf_test_refused(dir, "files:\n  quota: 10X\n", ":2: bad files.quota '10X'");
	conf_test_refused(dir, "files:\n  quota: -1\n", "bad files.quota");
	conf_test_refused(dir, "files:\n  quota: 99999999T\n", "too large");
	conf_test_refused(dir, "files:\n  replicas: 1001\n", "within 0..1000");
	conf_test_refused(dir, "files:\n  replicas: [1]\n", "files.replicas");
	conf_test_refused(dir, "voice:\n  hops: 0\n", "within 1..32");
	conf_test_refused(dir, "voice:\n  hops: 33\n", "bad voice.hops '33'");
	conf_test_refused(dir, "name: a\nname: b\n",
	    ":2: duplicate key 'name' (first on line 1)");
	conf_test_refused(dir, "name: a\n  bad: [\n", "ioe.yaml:");
	conf_test_refused(dir, "- a\n- b\n", ":1: the file must be a mapping");
	conf_test_refused(dir, "name: a\n---\nname: b\n",
	    ":3: only one YAML document");
	conf_test_refused(dir, "journal:\n  max_bytes: \" 12\"\n",
	    "not a whole number");

	conf_defaults(&conf);
	assert(conf_load(&conf, "/nonexistent/ioe.yaml", &cause) == -1);
	assert(strstr(cause, "/nonexistent/ioe.yaml:0: cannot open") != NULL);
	free(cause);
	assert(conf_load(&conf, dir, &cause) == -1);
	assert(strstr(cause, "not a regular file") != NULL);
	free(cause);

	cmd = xasprintf("rm -rf '%s'", dir);
	assert(system(cmd) == 0);
	free(cmd);
}
