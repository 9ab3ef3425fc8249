#include "config.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-buffer.h"
#include "model-text.h"
#include "util.h"

#define TIME_W   6 /* "12:34 " */
#define SEP_W    3 /* " | " */
#define NICK_MIN 2 /* "--" */

buffer_t *
buffer_new(size_t max)
{
	buffer_t *self = xcalloc(1, sizeof *self);

	self->max = max > 0 ? max : 1;
	return self;
}

static void
line_free(line_t *l)
{
	if (l == NULL)
		return;
	free(l->id);
	free(l->author);
	free(l->who);
	free(l->text);
	free(l);
}

void
buffer_clear(buffer_t *self)
{
	for (size_t i = 0; i < self->n; i++)
		line_free(self->line[i]);
	self->n = 0;
	self->scroll = 0;
	self->unseen = 0;
	self->complete = false;
	self->at_top = false;
}

void
buffer_destroy(buffer_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		buffer_clear(*self_p);
		free((*self_p)->line);
		free(*self_p);
		*self_p = NULL;
	}
}

bool
buffer_has(const buffer_t *self, const char *id)
{
	if (id == NULL)
		return false;
	/* Newest first: a duplicate is almost always recent. */
	for (size_t i = self->n; i-- > 0;) {
		if (self->line[i]->id != NULL &&
		    strcmp(self->line[i]->id, id) == 0)
			return true;
	}
	return false;
}

static line_t *
line_new(const struct line_spec *spec)
{
	line_t *l = xcalloc(1, sizeof *l);

	l->id = spec->id != NULL ? xstrdup(spec->id) : NULL;
	l->time_us = spec->time_us;
	l->lamport = spec->lamport;
	l->author = spec->author != NULL ? xstrdup(spec->author) : NULL;
	l->seq = spec->seq;
	l->who = spec->who != NULL ? tui_safe(spec->who) : NULL;
	l->text = tui_text_safe(spec->text != NULL ? spec->text : "",
	    spec->text != NULL ? strlen(spec->text) : 0, true);
	l->kind = spec->kind;
	l->mention = spec->mention;
	l->who_style = spec->self          ? TS_SELF
	               : spec->who != NULL ? tui_author_style(spec->who)
	                                   : TS_DIM;
	return l;
}

/* a before b in the log's total order (both keys known) */
static bool
line_before(const line_t *a, const line_t *b)
{
	int c;

	if (a->lamport != b->lamport)
		return a->lamport < b->lamport;
	c = strcmp(a->author != NULL ? a->author : "",
	    b->author != NULL ? b->author : "");
	if (c != 0)
		return c < 0;
	return a->seq < b->seq;
}

static void
buffer_insert(buffer_t *self, size_t at, line_t *l)
{
	if (self->n == self->cap) {
		self->cap = self->cap == 0 ? 64 : self->cap * 2;
		self->line =
		    realloc(self->line, self->cap * sizeof *self->line);
		if (self->line == NULL)
			abort();
	}
	memmove(self->line + at + 1, self->line + at,
	    (self->n - at) * sizeof *self->line);
	self->line[at] = l;
	self->n++;
	if (self->n > self->max) {
		line_free(self->line[0]);
		memmove(self->line, self->line + 1,
		    (self->n - 1) * sizeof *self->line);
		self->n--;
		self->complete = false;
	}
}

static int line_rows(const buffer_t *self, const line_t *l, int width,
    int nick_w, tui_rows_t *out);
static int buffer_nick_width(const buffer_t *self, int width);

/* Inserts l in the log's order; keeps the place of a scrolled reader. */
static void
buffer_place(buffer_t *self, line_t *l)
{
	size_t at = self->n;

	if (l->lamport > 0) {
		while (at > 0 && self->line[at - 1]->lamport > 0 &&
		       line_before(l, self->line[at - 1]))
			at--;
	}
	/* Keep the place of a reader who scrolled back. */
	if (self->scroll > 0 && at == self->n && self->width > 0) {
		tui_rows_t rows;

		tui_rows_init(&rows);
		self->scroll += line_rows(self, l, self->width,
		    buffer_nick_width(self, self->width), &rows);
		tui_rows_free(&rows);
		self->unseen++;
	}
	buffer_insert(self, at, l);
}

bool
buffer_add(buffer_t *self, const struct line_spec *spec)
{
	if (buffer_has(self, spec->id))
		return false;
	buffer_place(self, line_new(spec));
	return true;
}

bool
buffer_add_older(buffer_t *self, const struct line_spec *spec, size_t *at)
{
	if (buffer_has(self, spec->id))
		return false;
	if (*at > self->n)
		*at = self->n;
	buffer_insert(self, *at, line_new(spec));
	(*at)++;
	return true;
}

void
buffer_note(buffer_t *self, int kind, int64_t time_us, const char *fmt, ...)
{
	struct line_spec spec = {0};
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		abort();
	va_end(ap);
	spec.time_us = time_us;
	spec.text = text;
	spec.kind = kind;
	buffer_add(self, &spec);
	free(text);
}

int64_t
buffer_oldest_us(const buffer_t *self)
{
	for (size_t i = 0; i < self->n; i++) {
		if (self->line[i]->kind == LINE_MSG ||
		    self->line[i]->id != NULL)
			return self->line[i]->time_us;
	}
	return 0;
}

void
buffer_scroll(buffer_t *self, int rows)
{
	if (rows > 0 && self->at_top)
		return;
	self->scroll += rows;
	if (self->scroll <= 0)
		buffer_scroll_bottom(self);
}

void
buffer_scroll_bottom(buffer_t *self)
{
	self->scroll = 0;
	self->unseen = 0;
}

/* The author column: as wide as the widest author, within reason. */
static int
buffer_nick_width(const buffer_t *self, int width)
{
	int cap = width / 4, w = NICK_MIN;

	if (cap < 8)
		cap = 8;
	for (size_t i = 0; i < self->n; i++) {
		if (self->line[i]->who != NULL) {
			int lw = tui_text_width(
			    self->line[i]->who, strlen(self->line[i]->who));

			if (lw > w)
				w = lw;
		}
	}
	return w < cap ? w : cap;
}

static int
line_text_style(const line_t *l)
{
	switch (l->kind) {
	case LINE_NOTICE:
		return TS_SYSTEM;
	case LINE_ERROR:
		return TS_ERROR;
	case LINE_ALERT:
		return TS_ALERT_URGENT;
	case LINE_ALERT_CRITICAL:
		return TS_ALERT_CRITICAL;
	default:
		return l->mention ? TS_MENTION : TS_NORMAL;
	}
}

/* Appends the rows of one line to out. Returns how many. */
static int
line_rows(const buffer_t *self, const line_t *l, int width, int nick_w,
    tui_rows_t *out)
{
	int text_w = width - TIME_W - nick_w - SEP_W,
	    style = line_text_style(l);
	const char *sep = tui_text_is_ascii() ? " | " : " \xe2\x94\x82 ";
	const char *mark = l->kind == LINE_NOTICE  ? "--"
	                   : l->kind == LINE_ERROR ? "**"
	                   : l->kind == LINE_MSG   ? ""
	                                           : "!!";
	size_t len = strlen(l->text), pos = 0;
	int count = 0, indent;
	char hm[8];
	bool narrow = text_w < 12;

	(void)self;
	tui_time_hm(l->time_us, hm);
	if (narrow) {
		/* Too narrow for columns: "12:34 who text", then indented. */
		text_w = width - 2;
		indent = 2;
	} else
		indent = TIME_W + nick_w + SEP_W;
	do {
		tui_row_t *row = tui_rows_add(out);
		size_t next, n;

		if (count == 0) {
			tui_row_puts(row, TS_TIME, hm, width);
			tui_row_puts(row, TS_TIME, " ", -1);
			if (narrow) {
				if (l->who != NULL) {
					tui_row_puts(row, l->who_style, l->who,
					    width - row->width);
					tui_row_puts(row, TS_NORMAL, " ", -1);
				} else
					tui_row_printf(
					    row, style, -1, "%s ", mark);
				n = tui_text_break(l->text + pos, len - pos,
				    width - row->width, &next);
			} else {
				const char *who =
				    l->who != NULL ? l->who : mark;
				int who_style = l->who != NULL ? l->who_style
				                : l->kind == LINE_NOTICE
				                    ? TS_DIM
				                    : style;
				int ww = tui_text_width(who, strlen(who));

				if (ww > nick_w) {
					/* Cut, with a '+' for what is hidden.
					 */
					tui_row_puts(
					    row, who_style, who, nick_w - 1);
					tui_row_pad(row, who_style,
					    TIME_W + nick_w - 1);
					tui_row_puts(row, TS_DIM, "+", -1);
				} else {
					tui_row_pad(row, TS_NORMAL,
					    TIME_W + nick_w - ww);
					tui_row_puts(row, who_style, who, -1);
				}
				tui_row_puts(row, TS_DIM, sep, -1);
				n = tui_text_break(
				    l->text + pos, len - pos, text_w, &next);
			}
		} else {
			tui_row_pad(
			    row, TS_NORMAL, indent - (narrow ? 0 : SEP_W));
			if (!narrow)
				tui_row_puts(row, TS_DIM, sep, -1);
			n = tui_text_break(
			    l->text + pos, len - pos, text_w, &next);
		}
		tui_row_add(row, style, l->text + pos, n, width - row->width);
		pos += next;
		count++;
	} while (pos < len);
	return count;
}

void
buffer_layout(buffer_t *self, int width, int height, tui_rows_t *out)
{
	tui_rows_t rev, one;
	int nick_w = buffer_nick_width(self, width), want, first, last;
	size_t i = self->n;
	char day[16], prev_day[16];

	tui_rows_clear(out);
	if (width < 1 || height < 1)
		return;
	self->width = width;
	if (self->scroll < 0)
		self->scroll = 0;
	want = self->scroll + height;
	tui_rows_init(&rev);
	tui_rows_init(&one);
	/* From the newest line back, until the view is full. */
	while (i > 0 && rev.n < want) {
		const line_t *l = self->line[--i];

		tui_rows_clear(&one);
		tui_time_day(l->time_us, day);
		if (i == 0)
			prev_day[0] = '\0';
		else
			tui_time_day(self->line[i - 1]->time_us, prev_day);
		if (strcmp(day, prev_day) != 0) {
			tui_row_t *sep = tui_rows_add(&one);

			tui_row_printf(sep, TS_DIM, width, "-- %s --", day);
		}
		line_rows(self, l, width, nick_w, &one);
		for (int k = one.n - 1; k >= 0; k--)
			tui_row_append(tui_rows_add(&rev), &one.row[k], width);
	}
	self->at_top = i == 0 && rev.n <= want;
	if (self->at_top && self->scroll > rev.n - height)
		self->scroll = rev.n - height > 0 ? rev.n - height : 0;
	first = self->scroll;
	last = first + height - 1; /* index in rev of the top row */
	for (int r = last; r >= first; r--) {
		tui_row_t *row = tui_rows_add(out);

		if (r < rev.n)
			tui_row_append(row, &rev.row[r], width);
	}
	if (self->scroll == 0)
		self->unseen = 0;
	tui_rows_free(&rev);
	tui_rows_free(&one);
}

/* --- self-test ------------------------------------------------------------ */

static void
spec_msg(struct line_spec *s, const char *id, int64_t lamport, const char *who,
    const char *text)
{
	memset(s, 0, sizeof *s);
	s->id = id;
	s->time_us = 1795000000000000LL + lamport * 1000000;
	s->lamport = lamport;
	s->author = "aa";
	s->seq = lamport;
	s->who = who;
	s->text = text;
}

static char *
row_text(const tui_rows_t *rows, int i)
{
	return rows->row[i].text != NULL ? rows->row[i].text : "";
}

void
model_buffer_test(bool verbose)
{
	buffer_t *b = buffer_new(100);
	struct line_spec s;
	tui_rows_t rows;
	size_t at;
	char id[16];

	(void)verbose;
	tui_rows_init(&rows);
	spec_msg(&s, "i1", 1, "alice@alpha", "first");
	assert(buffer_add(b, &s));
	assert(!buffer_add(b, &s)); /* same id */
	spec_msg(&s, "i3", 3, "bob@bravo", "third");
	assert(buffer_add(b, &s));
	/* Arrives late but goes in its place in the log's order. */
	spec_msg(&s, "i2", 2, "carol@charlie", "second");
	assert(buffer_add(b, &s));
	assert(b->n == 3 && strcmp(b->line[1]->id, "i2") == 0);

	buffer_layout(b, 60, 10, &rows);
	assert(rows.n == 10);
	/* Bottom-anchored: the last row is the newest line. */
	assert(strstr(row_text(&rows, 9), "third") != NULL);
	assert(strstr(row_text(&rows, 9), "bob@bravo") != NULL);
	assert(strstr(row_text(&rows, 6), "-- ") != NULL); /* the day */
	assert(b->at_top);
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 60);

	/* Escape sequences in the text are inert. */
	spec_msg(&s, "i4", 4, "eve@evil", "red \x1b[31mALARM\x1b[0m");
	buffer_add(b, &s);
	buffer_layout(b, 60, 10, &rows);
	assert(strstr(row_text(&rows, 9), "\\x1b[31mALARM") != NULL);
	assert(strchr(row_text(&rows, 9), '\x1b') == NULL);

	/* Long text wraps under the text column; newlines break rows. */
	spec_msg(&s, "i5", 5, "alice@alpha",
	    "one two three four five six seven eight nine ten eleven "
	    "twelve\nsecond line");
	buffer_add(b, &s);
	buffer_layout(b, 40, 10, &rows);
	assert(strstr(row_text(&rows, 9), "second line") != NULL);
	assert(strstr(row_text(&rows, 8), "twelve") != NULL);
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 40);

	/* Scroll-back: fill, page up, page down, clamp at the top. */
	for (int i = 10; i < 60; i++) {
		snprintf(id, sizeof id, "m%d", i);
		spec_msg(&s, id, i, "bob@bravo", id);
		buffer_add(b, &s);
	}
	buffer_layout(b, 60, 10, &rows);
	assert(strstr(row_text(&rows, 9), "m59") != NULL);
	assert(!b->at_top);
	buffer_scroll(b, 8);
	buffer_layout(b, 60, 10, &rows);
	assert(strstr(row_text(&rows, 9), "m51") != NULL);
	/* A line arriving while scrolled keeps the view in place. */
	spec_msg(&s, "m60", 60, "bob@bravo", "m60");
	buffer_add(b, &s);
	assert(b->unseen == 1);
	buffer_layout(b, 60, 10, &rows);
	assert(strstr(row_text(&rows, 9), "m51") != NULL);
	buffer_scroll(b, 1000);
	buffer_layout(b, 60, 10, &rows);
	assert(b->at_top);
	assert(strstr(row_text(&rows, 1), "first") != NULL);
	buffer_scroll(b, -2000);
	assert(b->scroll == 0 && b->unseen == 0);

	/* Older history goes on top, in order. */
	at = 0;
	spec_msg(&s, "o1", 0, "zed@zulu", "older one");
	s.lamport = 0;
	assert(buffer_add_older(b, &s, &at));
	spec_msg(&s, "o2", 0, "zed@zulu", "older two");
	s.lamport = 0;
	assert(buffer_add_older(b, &s, &at));
	assert(strcmp(b->line[0]->id, "o1") == 0 &&
	       strcmp(b->line[1]->id, "o2") == 0);

	/* Notices; the line limit drops the oldest. */
	buffer_note(
	    b, LINE_ERROR, 1795000000000000LL, "no such room '%s'", "x\x1b");
	assert(strstr(b->line[b->n - 1]->text, "\\x1b") != NULL);
	buffer_destroy(&b);
	assert(b == NULL);
	b = buffer_new(3);
	for (int i = 1; i <= 5; i++) {
		snprintf(id, sizeof id, "n%d", i);
		spec_msg(&s, id, i, "a@b", id);
		buffer_add(b, &s);
	}
	assert(b->n == 3 && strcmp(b->line[0]->id, "n3") == 0);
	/* Narrow views still fit. */
	buffer_layout(b, 14, 5, &rows);
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 14);
	buffer_destroy(&b);
	tui_rows_free(&rows);
}
