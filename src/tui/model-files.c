#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fpath.h"
#include "model-files.h"
#include "model-text.h"
#include "util.h"

/* Columns of the listing, right of the name; dropped from the right
 * when the name would get fewer than NAME_MIN. */
#define SIZE_W   10
#define NODES_W  5
#define WHO_W    20
#define TIME_W   16
#define NAME_MIN 12

/* A string member, or NULL. */
static const char *
jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* A count given as a number or as an array of what is counted. */
static int64_t
jcount(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_array(v) ? (int64_t)json_array_size(v)
	                        : (int64_t)json_integer_value(v);
}

/* "user@node" of a row or version, or NULL. Caller frees. */
static char *
files_who(json_t *obj)
{
	const char *user = jstr(obj, "user"), *node = jstr(obj, "node");

	if (user == NULL)
		return node != NULL ? xstrdup(node) : NULL;
	if (node == NULL || strchr(user, '@') != NULL)
		return xstrdup(user);
	return xasprintf("%s@%s", user, node);
}

/* "2026-11-22 11:43" in local time. */
static void
files_time(int64_t us, char out[24])
{
	char day[16], hm[8];

	tui_time_day(us, day);
	tui_time_hm(us, hm);
	snprintf(out, 24, "%s %s", day, hm);
}

/* s (freed) with more appended. Caller frees. */
static char *files_append(char *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static char *
files_append(char *s, const char *fmt, ...)
{
	va_list ap;
	char *more, *t;

	va_start(ap, fmt);
	more = xvasprintf(fmt, ap);
	va_end(ap);
	t = xasprintf("%s%s", s, more);
	free(s);
	free(more);
	return t;
}

static void
files_entry_free(files_entry_t *e)
{
	free(e->name);
	free(e->path);
	free(e->id);
	free(e->who);
}

static void
files_clear(files_t *self)
{
	for (size_t i = 0; i < self->n; i++)
		files_entry_free(&self->e[i]);
	free(self->e);
	self->e = NULL;
	self->n = 0;
	self->sel = 0;
	self->top = 0;
}

void
files_init(files_t *self)
{
	memset(self, 0, sizeof *self);
	self->dir = xstrdup("");
}

void
files_free(files_t *self)
{
	files_clear(self);
	free(self->dir);
	free(self->error);
	free(self->select);
	free(self->note);
	json_decref(self->stat);
	memset(self, 0, sizeof *self);
}

void
files_set_dir(files_t *self, const char *dir, const char *select)
{
	char *d = xstrdup(dir);

	files_clear(self);
	free(self->dir);
	self->dir = d;
	free(self->select);
	self->select = select != NULL ? xstrdup(select) : NULL;
	free(self->error);
	self->error = NULL;
	self->loaded = false;
	files_set_stat(self, NULL, NULL);
}

void
files_set_error(files_t *self, const char *error)
{
	free(self->error);
	self->error = xstrdup(error);
	files_clear(self);
	self->loaded = false;
}

void
files_set_note(files_t *self, int style, const char *text)
{
	free(self->note);
	self->note = text != NULL ? xstrdup(text) : NULL;
	self->note_style = style;
}

static int
files_entry_cmp(const void *a, const void *b)
{
	const files_entry_t *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir ? -1 : 1;
	return strcmp(x->name, y->name);
}

int
files_load(files_t *self, json_t *result, char **cause)
{
	json_t *entries = json_object_get(result, "entries"), *o;
	const files_entry_t *cur = files_selected(self);
	char *keep;
	size_t i, n = 0, old_sel;
	files_entry_t *e;

	if (!json_is_array(entries))
		return fail(cause, "the daemon's files.ls result has no "
		                   "'entries'");
	e = xcalloc(json_array_size(entries) + 1, sizeof *e);
	json_array_foreach(entries, i, o)
	{
		const char *name = jstr(o, "name"), *type = jstr(o, "type");

		/* A row that is not as documented is left out, not fatal:
		 * the rest of the directory is still worth showing. */
		if (name == NULL || type == NULL ||
		    (strcmp(type, "dir") != 0 && strcmp(type, "file") != 0))
			continue;
		e[n].name = xstrdup(name);
		e[n].path = jstr(o, "path") != NULL
		                ? xstrdup(jstr(o, "path"))
		                : fpath_join(self->dir, name);
		e[n].dir = strcmp(type, "dir") == 0;
		e[n].size = json_integer_value(json_object_get(o, "size"));
		e[n].id = jstr(o, "id") != NULL ? xstrdup(jstr(o, "id")) : NULL;
		e[n].who = files_who(o);
		e[n].time_us =
		    json_integer_value(json_object_get(o, "time_us"));
		e[n].holders = (int)jcount(o, "holders");
		e[n].local = json_is_true(json_object_get(o, "local"));
		n++;
	}
	qsort(e, n, sizeof *e, files_entry_cmp);
	keep = self->select != NULL ? xstrdup(self->select)
	       : cur != NULL        ? xstrdup(cur->name)
	                            : NULL;
	/* Gone (removed or moved elsewhere): the entry now in its place. */
	old_sel = self->sel;
	files_clear(self);
	self->e = e;
	self->n = n;
	self->sel = old_sel < n ? old_sel : n > 0 ? n - 1 : 0;
	for (i = 0; keep != NULL && i < n; i++) {
		if (strcmp(e[i].name, keep) == 0)
			self->sel = i;
	}
	free(keep);
	free(self->select);
	self->select = NULL;
	free(self->error);
	self->error = NULL;
	self->loaded = true;
	return 0;
}

const files_entry_t *
files_selected(const files_t *self)
{
	return self->sel < self->n ? &self->e[self->sel] : NULL;
}

void
files_move(files_t *self, int delta)
{
	long s = (long)self->sel + delta;

	if (s >= (long)self->n)
		s = (long)self->n - 1;
	if (s < 0)
		s = 0;
	self->sel = (size_t)s;
}

int
files_set_stat(files_t *self, json_t *stat, char **cause)
{
	if (stat != NULL && jstr(stat, "path") == NULL) {
		json_decref(stat);
		return fail(cause, "the daemon's files.stat result has no "
		                   "'path'");
	}
	/* The same file again (a refresh) keeps its scroll. */
	if (stat == NULL || self->stat == NULL ||
	    strcmp(jstr(stat, "path"), jstr(self->stat, "path")) != 0)
		self->stat_top = 0;
	json_decref(self->stat);
	self->stat = stat;
	return 0;
}

const char *
files_stat_path(const files_t *self)
{
	return self->stat != NULL ? jstr(self->stat, "path") : NULL;
}

/* --- rows ------------------------------------------------------------------
 */

/* Appends display-safe text wrapped in width columns, the first row from
 * column indent, the others two further in. */
static void
files_wrap(tui_rows_t *out, int width, int indent, int style, const char *s)
{
	size_t len = strlen(s), pos = 0;
	int col = indent;

	do {
		tui_row_t *row = tui_rows_add(out);
		size_t next, n;

		tui_row_pad(row, TS_NORMAL, col < width ? col : 0);
		n = tui_text_break(
		    s + pos, len - pos, width - row->width, &next);
		tui_row_add(row, style, s + pos, n, width - row->width);
		pos += next;
		col = indent + 2;
	} while (pos < len);
}

void
files_details_rows(const files_t *self, int width, tui_rows_t *out)
{
	json_t *st = self->stat, *v;
	int64_t chunks, here;
	char size[24], when[24], *who, *names = NULL, *line;
	size_t i;
	tui_row_t *row;
	int style;

	tui_rows_clear(out);
	if (st == NULL)
		return;
	row = tui_rows_add(out);
	tui_row_printf(
	    row, TS_HEADING, width, "%s", fpath_base(jstr(st, "path")));
	tui_rows_pair(out, width, "path", TS_NORMAL, "%s", jstr(st, "path"));
	size_format((uint64_t)json_integer_value(json_object_get(st, "size")),
	    size, sizeof size);
	tui_rows_pair(out, width, "size", TS_NORMAL, "%s (%lld bytes)", size,
	    (long long)json_integer_value(json_object_get(st, "size")));
	tui_rows_pair(out, width, "id", TS_NORMAL, "%.16s",
	    jstr(st, "id") != NULL ? jstr(st, "id") : "?");
	tui_rows_pair(out, width, "mode", TS_NORMAL, "%04llo",
	    (long long)json_integer_value(json_object_get(st, "mode")) & 07777);
	chunks = jcount(st, "chunks");
	here = jcount(st, "chunks_here");
	style = here >= chunks ? TS_LINK_GOOD
	        : here > 0     ? TS_LINK_FAIR
	                       : TS_LINK_BAD;
	tui_rows_pair(out, width, "chunks here", style, "%lld/%lld",
	    (long long)here, (long long)chunks);
	json_array_foreach(json_object_get(st, "holder_names"), i, v)
	{
		char *t = xasprintf("%s%s%s", names != NULL ? names : "",
		    names != NULL ? ", " : "",
		    json_is_string(v) ? json_string_value(v) : "?");

		free(names);
		names = t;
	}
	tui_rows_pair(out, width, "holders",
	    jcount(st, "holders") > 0 ? TS_NORMAL : TS_LINK_BAD,
	    "%lld node%s%s%s", (long long)jcount(st, "holders"),
	    jcount(st, "holders") == 1 ? "" : "s", names != NULL ? ": " : "",
	    names != NULL ? names : "");
	free(names);
	who = files_who(st);
	files_time(json_integer_value(json_object_get(st, "time_us")), when);
	tui_rows_pair(out, width, "last put", TS_NORMAL, "%s by %s", when,
	    who != NULL ? who : "?");
	free(who);
	tui_rows_add(out);
	row = tui_rows_add(out);
	tui_row_puts(row, TS_HEADING, "History", width);
	if (json_array_size(json_object_get(st, "versions")) == 0) {
		row = tui_rows_add(out);
		tui_row_puts(row, TS_DIM, "  (none known)", width);
	}
	json_array_foreach(json_object_get(st, "versions"), i, v)
	{
		const char *op = jstr(v, "op"), *outcome = jstr(v, "outcome");
		const char *id = jstr(v, "id");
		char *safe;

		who = files_who(v);
		files_time(
		    json_integer_value(json_object_get(v, "time_us")), when);
		size_format(
		    (uint64_t)json_integer_value(json_object_get(v, "size")),
		    size, sizeof size);
		/* Two rows per operation, so that one fits beside the
		 * listing: when, who and what; then the version's size and
		 * id where it has one, where a move went, what became of
		 * it. */
		line = xasprintf("%s  %s  %s", when, who != NULL ? who : "?",
		    op != NULL ? op : "?");
		safe = tui_safe(line);
		files_wrap(out, width, 2, TS_NORMAL, safe);
		free(safe);
		free(line);
		line = xstrdup("");
		/* A move or a removal names the id it acted on, with no
		 * size. */
		if (id != NULL && json_is_integer(json_object_get(v, "size")))
			line = files_append(line, "%s [%.8s] ", size, id);
		else if (id != NULL)
			line = files_append(line, "[%.8s] ", id);
		if (jstr(v, "to") != NULL)
			line = files_append(line, "to '%s' ", jstr(v, "to"));
		line =
		    files_append(line, "%s", outcome != NULL ? outcome : "?");
		safe = tui_safe(line);
		files_wrap(out, width, 6,
		    outcome != NULL && strcmp(outcome, "applied") != 0
		        ? TS_LINK_FAIR
		        : TS_DIM,
		    safe);
		free(safe);
		free(line);
		free(who);
	}
}

int
files_page(int height)
{
	/* the breadcrumb, the column heads, the legend */
	return height > 4 ? height - 3 : 1;
}

/* The breadcrumb: "mesh > procedures > triage", the last one bold. */
static void
files_crumbs(const files_t *self, int width, tui_row_t *row)
{
	const char *p = self->dir, *slash;

	tui_row_puts(row, *p == '\0' ? TS_HEADING : TS_DIM, " mesh", width);
	while (*p != '\0') {
		size_t len;
		char *safe;

		slash = strchr(p, '/');
		len = slash != NULL ? (size_t)(slash - p) : strlen(p);
		tui_row_puts(row, TS_DIM, " > ", width - row->width);
		safe = tui_text_safe(p, len, false);
		tui_row_puts(row, slash == NULL ? TS_HEADING : TS_NORMAL, safe,
		    width - row->width);
		free(safe);
		p += len;
		if (*p == '/')
			p++;
	}
	if (self->loaded)
		tui_row_printf(row, TS_DIM, width - row->width,
		    "  (%zu entr%s)", self->n, self->n == 1 ? "y" : "ies");
}

/* The listing in height rows of width columns. */
static void
files_listing(files_t *self, int width, int height, tui_rows_t *out)
{
	int page = files_page(height), name_w;
	bool show_who = true, show_time = true;
	tui_row_t *row;

	name_w = width - 1 - SIZE_W - 1 - NODES_W - 1 - WHO_W - 1 - TIME_W;
	if (name_w < NAME_MIN) {
		show_time = false;
		name_w += 1 + TIME_W;
	}
	if (name_w < NAME_MIN) {
		show_who = false;
		name_w += 1 + WHO_W;
	}
	if (name_w < 1)
		name_w = 1;
	/* The selection stays in view. */
	if ((int)self->sel < self->top)
		self->top = (int)self->sel;
	if ((int)self->sel >= self->top + page)
		self->top = (int)self->sel - page + 1;
	if (self->top > (int)self->n - page)
		self->top = (int)self->n - page;
	if (self->top < 0)
		self->top = 0;

	files_crumbs(self, width, tui_rows_add(out));
	row = tui_rows_add(out);
	tui_row_printf(row, TS_DIM, width, " %-*s %*s %*s", name_w - 1, "NAME",
	    SIZE_W, "SIZE", NODES_W, "NODES");
	if (show_who)
		tui_row_printf(
		    row, TS_DIM, width - row->width, " %-*s", WHO_W, "BY");
	if (show_time)
		tui_row_printf(row, TS_DIM, width - row->width, " %s", "TIME");
	for (int y = 0; y < page; y++) {
		size_t i = (size_t)(self->top + y);
		const files_entry_t *e;
		int style;
		char size[24], nodes[16], when[24];

		row = tui_rows_add(out);
		if (y == 0 && self->error != NULL) {
			tui_row_printf(
			    row, TS_ERROR, width, " %s", self->error);
			continue;
		}
		if (y == 0 && !self->loaded) {
			tui_row_puts(row, TS_DIM, " loading...", width);
			continue;
		}
		if (y == 0 && self->n == 0) {
			tui_row_puts(row, TS_DIM,
			    " (empty: u uploads a file here)", width);
			continue;
		}
		if (i >= self->n)
			continue;
		e = &self->e[i];
		style = i == self->sel ? TS_SIDEBAR_CUR : TS_NORMAL;
		tui_row_puts(row, style, " ", width);
		/* Names are the mesh's: tui_row_printf makes them safe. */
		tui_row_printf(row,
		    e->dir ? (style == TS_NORMAL ? TS_NODE : style) : style,
		    name_w - 1, "%s%s", e->name, e->dir ? "/" : "");
		tui_row_pad(row, style, name_w);
		if (e->dir)
			snprintf(size, sizeof size, "-");
		else
			size_format((uint64_t)e->size, size, sizeof size);
		if (e->dir)
			snprintf(nodes, sizeof nodes, "-");
		else
			snprintf(nodes, sizeof nodes, "%d%s", e->holders,
			    e->local ? "*" : "");
		tui_row_printf(row, style, width - row->width, " %*s %*s",
		    SIZE_W, size, NODES_W, nodes);
		if (show_who)
			tui_row_printf(row, style, width - row->width,
			    " %-*.*s", WHO_W, WHO_W,
			    e->who != NULL ? e->who : "");
		if (show_time && e->time_us > 0) {
			files_time(e->time_us, when);
			tui_row_printf(
			    row, style, width - row->width, " %s", when);
		}
		if (style != TS_NORMAL)
			tui_row_pad(row, style, width);
	}
	row = tui_rows_add(out);
	if (self->note != NULL)
		tui_row_printf(row, self->note_style, width, " %s", self->note);
	else
		tui_row_puts(row, TS_DIM,
		    " NODES: how many nodes hold the file, * this one too",
		    width);
}

void
files_render(files_t *self, int width, int height, tui_rows_t *out)
{
	const char *sep = tui_text_is_ascii() ? "|" : "\xe2\x94\x82";
	bool narrow = self->stat != NULL && width < FILES_SPLIT_MIN;
	/* The listing's and the details' widths: either may be 0 (narrow:
	 * the details instead of the listing). */
	int lw = self->stat == NULL ? width : narrow ? 0 : width * 55 / 100;
	int dw = self->stat == NULL ? 0 : narrow ? width : width - lw - 2;
	tui_rows_t list, det;

	tui_rows_clear(out);
	tui_rows_init(&list);
	tui_rows_init(&det);
	/* A column of space before the details' rule. */
	if (lw > 0)
		files_listing(self, dw > 0 ? lw - 1 : lw, height, &list);
	if (dw > 0) {
		files_details_rows(self, dw, &det);
		if (self->stat_top > det.n - height)
			self->stat_top = det.n - height;
		if (self->stat_top < 0)
			self->stat_top = 0;
	}
	for (int y = 0; y < height; y++) {
		tui_row_t *row = tui_rows_add(out);

		if (y < list.n)
			tui_row_append(row, &list.row[y], lw);
		if (dw == 0)
			continue;
		if (lw > 0) {
			tui_row_pad(row, TS_NORMAL, lw);
			tui_row_puts(row, TS_DIM, sep, -1);
			tui_row_puts(row, TS_NORMAL, " ", -1);
		}
		if (self->stat_top + y < det.n)
			tui_row_append(row, &det.row[self->stat_top + y], dw);
	}
	tui_rows_free(&list);
	tui_rows_free(&det);
}

/* --- self-test -------------------------------------------------------------
 */

static void
test_bounds(const tui_rows_t *rows, int width, int height)
{
	assert(height < 0 || rows->n == height);
	for (int i = 0; i < rows->n; i++) {
		assert(rows->row[i].width <= width);
		assert(rows->row[i].text == NULL ||
		       (strchr(rows->row[i].text, '\x1b') == NULL &&
		           strchr(rows->row[i].text, '\a') == NULL));
	}
}

void
model_files_test(bool verbose)
{
	files_t f;
	tui_rows_t rows;
	char *cause = NULL;
	json_t *ls, *st;

	(void)verbose;
	/* A listing: directories first, then by name; a row that is not
	 * as documented is left out; names from the mesh stay inert. */
	files_init(&f);
	tui_rows_init(&rows);
	files_render(&f, 100, 20, &rows);
	test_bounds(&rows, 100, 20);
	assert(tui_rows_find(&rows, "loading..."));
	ls = json_object();
	assert(files_load(&f, ls, &cause) == -1);
	json_decref(ls);
	assert(strstr(cause, "entries") != NULL);
	free(cause);
	ls = json_loads("{\"path\":\"\",\"type\":\"dir\",\"entries\":["
	                "{\"name\":\"zeta.txt\",\"path\":\"zeta.txt\",\"type\":"
	                "\"file\",\"size\":1536,\"id\":\"ab12\",\"user\":"
	                "\"alice\",\"node\":\"alpha\",\"time_us\":"
	                "1795000000000000,\"holders\":2,\"local\":true},"
	                "{\"name\":\"procedures\",\"path\":\"procedures\","
	                "\"type\":\"dir\"},"
	                "{\"name\":\"bad\\u001b[2Jname\",\"type\":\"file\","
	                "\"size\":0,\"holders\":1,\"local\":false},"
	                "{\"type\":\"file\"},"
	                "{\"name\":\"alpha.pdf\",\"type\":\"file\",\"size\":"
	                "3145728,\"user\":\"bob\",\"node\":\"bravo\","
	                "\"holders\":[\"x\",\"y\",\"z\"],\"local\":false}]}",
	    0, NULL);
	assert(ls != NULL && files_load(&f, ls, NULL) == 0);
	assert(
	    f.n == 4 && f.e[0].dir && strcmp(f.e[0].name, "procedures") == 0);
	assert(strcmp(f.e[1].name, "alpha.pdf") == 0 && f.e[1].holders == 3);
	assert(strcmp(f.e[3].name, "zeta.txt") == 0);
	assert(strcmp(f.e[1].path, "alpha.pdf") == 0);
	files_render(&f, 100, 20, &rows);
	test_bounds(&rows, 100, 20);
	assert(tui_rows_find(&rows, " mesh  (4 entries)"));
	assert(tui_rows_find(&rows, "procedures/"));
	assert(tui_rows_find(&rows, "1.5 KiB"));
	assert(tui_rows_find(&rows, "3.0 MiB"));
	assert(tui_rows_find(&rows, "2*"));
	assert(tui_rows_find(&rows, "alice@alpha"));
	assert(tui_rows_find(&rows, "bob@bravo"));
	assert(tui_rows_find(&rows, "bad\\x1b[2Jname"));
	/* The selection moves within the listing and survives a reload. */
	assert(files_selected(&f) == &f.e[0]);
	files_move(&f, -3);
	assert(f.sel == 0);
	files_move(&f, 2);
	assert(strcmp(files_selected(&f)->name, "bad\x1b[2Jname") == 0);
	files_move(&f, 100);
	assert(f.sel == 3);
	files_move(&f, -1);
	assert(files_load(&f, ls, NULL) == 0);
	assert(strcmp(files_selected(&f)->name, "bad\x1b[2Jname") == 0);
	/* A selected entry that goes: the one in its place is selected. */
	json_array_remove(json_object_get(ls, "entries"), 2);
	assert(files_load(&f, ls, NULL) == 0);
	assert(f.n == 3 && strcmp(files_selected(&f)->name, "zeta.txt") == 0);
	json_decref(ls);
	/* Narrow terminals drop the time, then the user. */
	files_render(&f, 60, 10, &rows);
	test_bounds(&rows, 60, 10);
	assert(!tui_rows_find(&rows, "TIME") && tui_rows_find(&rows, "BY"));
	files_render(&f, 40, 10, &rows);
	test_bounds(&rows, 40, 10);
	assert(!tui_rows_find(&rows, "BY"));
	/* A long listing scrolls with the selection. */
	ls = json_pack("{s:[]}", "entries");
	for (int i = 0; i < 50; i++) {
		char name[16];

		snprintf(name, sizeof name, "f%02d", i);
		json_array_append_new(json_object_get(ls, "entries"),
		    json_pack("{s:s, s:s, s:i}", "name", name, "type", "file",
		        "size", i));
	}
	files_set_dir(&f, "procedures/sub", "f30");
	assert(f.n == 0 && !f.loaded && f.stat == NULL);
	assert(files_load(&f, ls, NULL) == 0);
	json_decref(ls);
	assert(strcmp(files_selected(&f)->name, "f30") == 0);
	assert(strcmp(f.e[0].path, "procedures/sub/f00") == 0);
	files_render(&f, 80, 10, &rows);
	test_bounds(&rows, 80, 10);
	assert(tui_rows_find(&rows, "f30") && !tui_rows_find(&rows, "f20"));
	assert(tui_rows_find(&rows, " mesh > procedures > sub"));
	files_move(&f, -30);
	files_render(&f, 80, 10, &rows);
	assert(tui_rows_find(&rows, "f00") && !tui_rows_find(&rows, "f30"));
	assert(tui_rows_find(&rows, "* this one too"));
	files_set_note(&f, TS_ERROR, "cannot upload \x1b[2J");
	files_render(&f, 80, 10, &rows);
	assert(tui_rows_find(&rows, " cannot upload \\x1b[2J") &&
	       !tui_rows_find(&rows, "* this one too"));
	files_set_note(&f, TS_NORMAL, NULL);
	files_set_error(&f, "unknown directory 'procedures/sub'");
	files_render(&f, 80, 10, &rows);
	assert(tui_rows_find(&rows, "unknown directory"));

	/* Details: replication state and history, beside the listing or
	 * instead of it. */
	assert(files_set_stat(&f, json_object(), &cause) == -1);
	free(cause);
	st = json_loads(
	    "{\"path\":\"procedures/triage.pdf\",\"name\":\"triage.pdf\","
	    "\"type\":\"file\",\"size\":1234567,\"id\":"
	    "\"0123456789abcdef0123456789abcdef\",\"mode\":420,"
	    "\"user\":\"alice\",\"node\":\"alpha\",\"time_us\":"
	    "1795000000000000,\"chunks\":2,\"chunk_size\":1048576,"
	    "\"chunks_here\":1,\"holders\":2,\"holder_names\":[\"alpha\","
	    "\"br\\u0007avo\"],\"versions\":["
	    "{\"id\":\"aaaaaaaaaaaa\",\"size\":10,\"user\":\"alice\","
	    "\"node\":\"alpha\",\"time_us\":1795000000000000,\"op\":\"put\","
	    "\"outcome\":\"applied\"},"
	    "{\"id\":\"bbbbbbbbbbbb\",\"size\":1234567,\"user\":\"bob\","
	    "\"node\":\"bravo\",\"time_us\":1795000100000000,\"op\":\"put\","
	    "\"outcome\":\"conflict copy: triage (conflict from bob on "
	    "bravo).pdf\"},"
	    "{\"user\":\"carol\",\"node\":\"charlie\",\"time_us\":"
	    "1795000200000000,\"op\":\"mv\",\"to\":\"x/t.pdf\","
	    "\"id\":\"cccccccccccc\",\"size\":null,"
	    "\"outcome\":\"skipped: moved meanwhile\"}]}",
	    0, NULL);
	assert(files_set_stat(&f, st, NULL) == 0);
	assert(strcmp(files_stat_path(&f), "procedures/triage.pdf") == 0);
	files_details_rows(&f, 70, &rows);
	test_bounds(&rows, 70, -1);
	assert(tui_rows_find(&rows, "1.1 MiB (1234567 bytes)"));
	assert(tui_rows_find(&rows, "0123456789abcdef"));
	assert(!tui_rows_find(&rows, "0123456789abcdef0"));
	assert(tui_rows_find(&rows, "0644"));
	assert(tui_rows_find(&rows, "1/2"));
	assert(tui_rows_find(&rows, "2 nodes: alpha, br\\x07avo"));
	assert(tui_rows_find(&rows, "alice@alpha  put"));
	assert(tui_rows_find(&rows, "      10 bytes [aaaaaaaa] applied"));
	assert(tui_rows_find(&rows, "conflict copy:"));
	assert(tui_rows_find(&rows, "bravo).pdf"));
	assert(tui_rows_find(&rows, "carol@charlie  mv"));
	assert(tui_rows_find(
	    &rows, "      [cccccccc] to 'x/t.pdf' skipped: moved"));
	files_render(&f, 120, 30, &rows);
	test_bounds(&rows, 120, 30);
	assert(tui_rows_find(&rows, "History") && tui_rows_find(&rows, "NAME"));
	files_render(&f, 80, 24, &rows);
	test_bounds(&rows, 80, 24);
	assert(
	    tui_rows_find(&rows, "History") && !tui_rows_find(&rows, "NAME"));
	files_render(&f, 30, 6, &rows);
	test_bounds(&rows, 30, 6);
	f.stat_top = 1000;
	files_render(&f, 80, 6, &rows);
	assert(f.stat_top >= 0 && tui_rows_find(&rows, "skipped"));
	files_set_stat(&f, NULL, NULL);
	assert(files_stat_path(&f) == NULL);

	files_free(&f);
	tui_rows_free(&rows);
}
