#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpath.h"
#include "util.h"

/* What is wrong with a non-empty path, found without allocating: paths
 * are checked on every file entry applied. */
enum fpath_problem {
	FPATH_OK,
	FPATH_NOT_UTF8,
	FPATH_CONTROL,
	FPATH_TOO_LONG,
	FPATH_ROOT,
	FPATH_ABSOLUTE,
	FPATH_EMPTY_COMPONENT,
	FPATH_DOTS,
	FPATH_LONG_COMPONENT,
};

static enum fpath_problem
fpath_problem(const char *path, size_t len, size_t *offset)
{
	const char *p, *slash;

	if (!text_is_utf8(path, len))
		return FPATH_NOT_UTF8;
	if (text_find_control(path, len, offset) != NULL)
		return FPATH_CONTROL;
	if (len > FPATH_MAX)
		return FPATH_TOO_LONG;
	if (path[0] == '/')
		return path[strspn(path, "/")] == '\0' ? FPATH_ROOT
							 : FPATH_ABSOLUTE;
	for (p = path;; p = slash + 1) {
		size_t n;

		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n == 0)
			return FPATH_EMPTY_COMPONENT;
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return FPATH_DOTS;
		if (n > FPATH_COMPONENT_MAX)
			return FPATH_LONG_COMPONENT;
		if (slash == NULL)
			return FPATH_OK;
	}
}

int
fpath_check(const char *path, bool root_ok, char **cause)
{
	size_t len = strlen(path), offset = 0;
	enum fpath_problem problem;
	char *shown;

	if (len == 0) {
		if (root_ok)
			return 0;
		return fail(cause, "the mesh path is empty");
	}
	if ((problem = fpath_problem(path, len, &offset)) == FPATH_OK)
		return 0;
	if (cause == NULL)
		return -1;
	shown = text_escape(path, len);
	switch (problem) {
	case FPATH_OK:
		break;
	case FPATH_NOT_UTF8:
		fail(cause, "'%s': a mesh path must be UTF-8 text", shown);
		break;
	case FPATH_CONTROL:
		fail(cause, "'%s': a mesh path cannot hold a control character "
			    "(byte %zu)",
		    shown, offset + 1);
		break;
	case FPATH_TOO_LONG:
		fail(cause, "'%.40s...': a mesh path is at most %d bytes",
		    shown, FPATH_MAX);
		break;
	case FPATH_ROOT:
		fail(cause, "'%s': a mesh path is relative to the mesh's root; "
			    "the root itself is the empty path",
		    shown);
		break;
	case FPATH_ABSOLUTE:
		fail(cause, "'%s': a mesh path is relative to the mesh's root; "
			    "write '%s'",
		    shown, shown + strspn(shown, "/"));
		break;
	case FPATH_EMPTY_COMPONENT:
		fail(cause, "'%s': a mesh path cannot have an empty component "
			    "('//' or a trailing '/')",
		    shown);
		break;
	case FPATH_DOTS:
		fail(cause, "'%s': '.' and '..' are not allowed in a mesh path",
		    shown);
		break;
	case FPATH_LONG_COMPONENT:
		fail(cause, "'%.40s...': a name in a mesh path is at most %d "
			    "bytes",
		    shown, FPATH_COMPONENT_MAX);
		break;
	}
	free(shown);
	return -1;
}

const char *
fpath_base(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

char *
fpath_parent(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup("");
	return xasprintf("%.*s", (int)(slash - path), path);
}

char *
fpath_join(const char *parent, const char *name)
{
	if (parent[0] == '\0')
		return xstrdup(name);
	return xasprintf("%s/%s", parent, name);
}

bool
fpath_is_below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 0)
		return path[0] != '\0';
	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* A user or node name as it may stand in a path component: '/' and
 * control characters become '_'. Caller frees. */
static char *
fpath_safe_name(const char *name)
{
	char *out = xstrdup(name);

	for (char *p = out; *p != '\0'; p++) {
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '_';
	}
	return out;
}

/* How many bytes of s, at most max, end on a UTF-8 character boundary. */
static size_t
fpath_utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* path with tag put after the stem of its last component, before the
 * extension ("notes.txt" keeps ".txt"; ".profile" is all stem), within
 * the limits of a component and of a path: the stem gives way. Caller
 * frees. */
static char *
fpath_tagged(const char *path, const char *tag)
{
	const char *base = fpath_base(path);
	const char *dot = strrchr(base, '.');
	size_t dir, stem, room;

	if (dot == NULL || dot == base || strlen(dot) > 32)
		dot = base + strlen(base);
	dir = (size_t)(base - path);
	stem = (size_t)(dot - base);
	room = FPATH_COMPONENT_MAX - strlen(tag) - strlen(dot);
	if (dir + room + strlen(tag) + strlen(dot) > FPATH_MAX)
		room = FPATH_MAX > dir + strlen(tag) + strlen(dot)
		    ? FPATH_MAX - dir - strlen(tag) - strlen(dot)
		    : 1;
	stem = fpath_utf8_cut(base, stem, room);
	return xasprintf("%.*s%.*s%s%s", (int)dir, path, (int)stem, base, tag,
	    dot);
}

char *
fpath_conflict(const char *path, const char *user, const char *node,
    unsigned n)
{
	char number[16] = "", *u = fpath_safe_name(user);
	char *nd = fpath_safe_name(node), *tag, *out;

	if (n > 1)
		snprintf(number, sizeof number, " %u", n);
	tag = xasprintf(" (conflict from %.64s on %.64s%s)", u, nd, number);
	out = fpath_tagged(path, tag);
	free(tag);
	free(u);
	free(nd);
	return out;
}

char *
fpath_numbered(const char *path, unsigned n)
{
	char tag[16];

	if (n < 2)
		return xstrdup(path);
	snprintf(tag, sizeof tag, " %u", n);
	return fpath_tagged(path, tag);
}

void
fpath_test(bool verbose)
{
	static const char *const good[] = { "a", "a/b", "procedures/triage.pdf",
		"été/ß", "a b/.hidden", "...", "a..b" };
	static const char *const bad[] = { "/a", "a//b", "a/", ".", "..",
		"a/../b", "a/./b", "a\001b", "a\177", "\xff\xfe", "" };
	char longname[300], *cause = NULL, *s;

	if (verbose)
		printf(" * fpath: ");
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		assert(fpath_check(good[i], false, NULL) == 0);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert(fpath_check(bad[i], false, &cause) == -1);
		assert(cause != NULL);
		free(cause);
		cause = NULL;
	}
	assert(fpath_check("", true, NULL) == 0);
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert(fpath_check(longname, false, NULL) == -1);
	assert(fpath_check("/etc/passwd", false, &cause) == -1);
	assert(strstr(cause, "write 'etc/passwd'") != NULL);
	free(cause);

	assert(strcmp(fpath_base("a/b/c.txt"), "c.txt") == 0);
	assert(strcmp(fpath_base("c"), "c") == 0);
	s = fpath_parent("a/b/c");
	assert(strcmp(s, "a/b") == 0);
	free(s);
	s = fpath_parent("c");
	assert(strcmp(s, "") == 0);
	free(s);
	s = fpath_join("", "c");
	assert(strcmp(s, "c") == 0);
	free(s);
	assert(fpath_is_below("a/b", "a"));
	assert(!fpath_is_below("ab", "a"));
	assert(!fpath_is_below("a", "a"));
	assert(fpath_is_below("a", ""));

	s = fpath_conflict("docs/plan.v2.pdf", "alice", "bravo", 1);
	assert(strcmp(s, "docs/plan.v2 (conflict from alice on bravo).pdf") ==
	    0);
	free(s);
	s = fpath_conflict("docs/.profile", "bob", "c", 2);
	assert(strcmp(s, "docs/.profile (conflict from bob on c 2)") == 0);
	free(s);
	s = fpath_numbered("rec/a b@c.opus", 2);
	assert(strcmp(s, "rec/a b@c 2.opus") == 0);
	free(s);
	s = fpath_numbered("rec/x", 1);
	assert(strcmp(s, "rec/x") == 0);
	free(s);
	s = fpath_conflict("a", "x/y\001", "n", 1);
	assert(strcmp(s, "a (conflict from x_y_ on n)") == 0);
	free(s);
	memset(longname, 'x', 255);
	longname[255] = '\0';
	memcpy(longname + 250, ".txt", 5);
	s = fpath_conflict(longname, "ann", "alpha", 3);
	assert(fpath_check(s, false, NULL) == 0);
	assert(strstr(s, " (conflict from ann on alpha 3).txt") != NULL);
	free(s);
	if (verbose)
		printf("OK\n");
}
