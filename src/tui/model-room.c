#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-room.h"
#include "model-text.h"
#include "util.h"

static room_t *
room_new(const char *name, int kind)
{
	room_t *r = xcalloc(1, sizeof *r);

	r->name = xstrdup(name);
	r->label = kind == ROOM_HOME ? xstrdup("ioe") : tui_safe(name);
	r->kind = kind;
	r->buf = buffer_new(ROOM_LINES_MAX);
	return r;
}

static void
room_members_free(room_t *r)
{
	for (size_t i = 0; i < r->nmembers; i++)
		free(r->members[i]);
	free(r->members);
	r->members = NULL;
	r->nmembers = 0;
}

static void
room_destroy(room_t **r_p)
{
	room_t *r = *r_p;

	if (r == NULL)
		return;
	free(r->name);
	free(r->label);
	free(r->topic);
	buffer_destroy(&r->buf);
	room_members_free(r);
	free(r);
	*r_p = NULL;
}

void
rooms_init(rooms_t *self)
{
	memset(self, 0, sizeof *self);
	self->cur = rooms_add(self, "", ROOM_HOME);
}

void
rooms_free(rooms_t *self)
{
	for (size_t i = 0; i < self->n; i++)
		room_destroy(&self->r[i]);
	free(self->r);
	memset(self, 0, sizeof *self);
}

room_t *
rooms_find(const rooms_t *self, const char *name)
{
	for (size_t i = 0; i < self->n; i++) {
		if (strcmp(self->r[i]->name, name) == 0)
			return self->r[i];
	}
	return NULL;
}

static bool
room_before(const room_t *a, const room_t *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind;
	return strcmp(a->name, b->name) < 0;
}

room_t *
rooms_add(rooms_t *self, const char *name, int kind)
{
	room_t *r = rooms_find(self, name);
	size_t at = 0;

	if (r != NULL)
		return r;
	r = room_new(name, kind);
	while (at < self->n && room_before(self->r[at], r))
		at++;
	self->r = realloc(self->r, (self->n + 1) * sizeof *self->r);
	if (self->r == NULL)
		abort();
	memmove(
	    self->r + at + 1, self->r + at, (self->n - at) * sizeof *self->r);
	self->r[at] = r;
	self->n++;
	return r;
}

size_t
rooms_index(const rooms_t *self, const room_t *room)
{
	for (size_t i = 0; i < self->n; i++) {
		if (self->r[i] == room)
			return i;
	}
	return 0;
}

void
rooms_remove(rooms_t *self, room_t *room)
{
	size_t i = rooms_index(self, room);

	if (room->kind == ROOM_HOME || self->r[i] != room)
		return;
	memmove(
	    self->r + i, self->r + i + 1, (self->n - i - 1) * sizeof *self->r);
	self->n--;
	if (self->cur == room)
		self->cur = self->r[i < self->n ? i : i - 1];
	room_destroy(&room);
}

void
rooms_select(rooms_t *self, room_t *room)
{
	self->cur = room;
	room->unread = 0;
	room->mentions = 0;
}

room_t *
rooms_step(const rooms_t *self, int delta)
{
	long i = (long)rooms_index(self, self->cur), n = (long)self->n;

	i = ((i + delta) % n + n) % n;
	return self->r[i];
}

room_t *
rooms_next_active(const rooms_t *self)
{
	size_t start = rooms_index(self, self->cur);

	for (int pass = 0; pass < 2; pass++) {
		for (size_t k = 1; k <= self->n; k++) {
			room_t *r = self->r[(start + k) % self->n];

			if (r == self->cur)
				continue;
			if (pass == 0 ? r->mentions > 0 : r->unread > 0)
				return r;
		}
	}
	return NULL;
}

void
room_set_topic(room_t *room, const char *topic)
{
	free(room->topic);
	room->topic = topic != NULL && *topic != '\0' ? xstrdup(topic) : NULL;
}

void
room_set_members(room_t *room, json_t *members)
{
	json_t *m;
	size_t i;

	room_members_free(room);
	if (!json_is_array(members))
		return;
	room->members =
	    xcalloc(json_array_size(members) + 1, sizeof *room->members);
	json_array_foreach(members, i, m)
	{
		const char *u = json_string_value(m), *node;

		if (u != NULL) {
			room->members[room->nmembers++] = xstrdup(u);
			continue;
		}
		u = json_string_value(json_object_get(m, "user"));
		if (u == NULL)
			u = json_string_value(json_object_get(m, "name"));
		node = json_string_value(json_object_get(m, "node"));
		if (u == NULL)
			continue;
		room->members[room->nmembers++] =
		    node != NULL && strchr(u, '@') == NULL
		        ? xasprintf("%s@%s", u, node)
		        : xstrdup(u);
	}
}

bool
room_has_member(const room_t *room, const char *who)
{
	for (size_t i = 0; i < room->nmembers; i++) {
		if (strcmp(room->members[i], who) == 0)
			return true;
	}
	return false;
}

void
rooms_sidebar(rooms_t *self, int width, int height, tui_rows_t *out)
{
	size_t cur = rooms_index(self, self->cur);

	tui_rows_clear(out);
	if (width < 1 || height < 1)
		return;
	/* Keep the current room in view. */
	if ((int)cur < self->side_top)
		self->side_top = (int)cur;
	if ((int)cur >= self->side_top + height)
		self->side_top = (int)cur - height + 1;
	if (self->side_top > (int)self->n - height)
		self->side_top = (int)self->n - height;
	if (self->side_top < 0)
		self->side_top = 0;
	for (int y = 0; y < height; y++) {
		tui_row_t *row = tui_rows_add(out);
		size_t i = (size_t)(self->side_top + y);
		const room_t *r;
		char counts[32] = "";
		int base, cw;

		if (i >= self->n)
			continue;
		r = self->r[i];
		base = r == self->cur ? TS_SIDEBAR_CUR : TS_NORMAL;
		if (r->mentions > 0)
			snprintf(counts, sizeof counts, " %d@%d", r->unread,
			    r->mentions);
		else if (r->unread > 0)
			snprintf(counts, sizeof counts, " %d", r->unread);
		cw = (int)strlen(counts);
		tui_row_printf(row, base == TS_NORMAL ? TS_DIM : base, width,
		    "%2zu ", i + 1);
		tui_row_puts(row,
		    base == TS_SIDEBAR_CUR ? base
		    : r->mentions > 0      ? TS_MENTIONS
		    : r->unread > 0        ? TS_UNREAD
		    : r->kind == ROOM_HOME ? TS_DIM
		                           : TS_NORMAL,
		    r->label, width - row->width - cw);
		tui_row_pad(row, base, width - cw);
		if (cw > 0)
			tui_row_puts(row,
			    base == TS_SIDEBAR_CUR ? base
			    : r->mentions > 0      ? TS_MENTIONS
			                           : TS_UNREAD,
			    counts, width - row->width);
	}
}

void
rooms_activity(const rooms_t *self, tui_row_t *row, int maxw)
{
	int start = row->width;
	bool first = true;

	for (size_t i = 0; i < self->n; i++) {
		const room_t *r = self->r[i];
		int left = maxw - (row->width - start);

		if (r == self->cur || r->unread == 0 || left <= 0)
			continue;
		tui_row_printf(row, r->mentions > 0 ? TS_MENTIONS : TS_BAR_HI,
		    left, "%s%zu%s", first ? "" : ",", i + 1,
		    r->mentions > 0 ? "@" : "");
		first = false;
	}
}

/* --- self-test ------------------------------------------------------------ */

void
model_room_test(bool verbose)
{
	rooms_t rs;
	room_t *ops, *dm, *alpha;
	tui_rows_t rows;
	tui_row_t row;
	json_t *m;

	(void)verbose;
	rooms_init(&rs);
	assert(rs.n == 1 && rs.cur->kind == ROOM_HOME);
	ops = rooms_add(&rs, "ops", ROOM_CHAN);
	dm = rooms_add(&rs, "@bob@bravo", ROOM_DM);
	alpha = rooms_add(&rs, "alpha", ROOM_CHAN);
	assert(rooms_add(&rs, "ops", ROOM_CHAN) == ops);
	/* home, rooms by name, conversations */
	assert(
	    rs.n == 4 && rs.r[1] == alpha && rs.r[2] == ops && rs.r[3] == dm);
	assert(rooms_find(&rs, "@bob@bravo") == dm);

	rooms_select(&rs, ops);
	dm->unread = 2;
	dm->mentions = 2;
	alpha->unread = 5;
	assert(rooms_next_active(&rs) == dm);
	dm->mentions = 0;
	dm->unread = 0;
	assert(rooms_next_active(&rs) == alpha);
	rooms_select(&rs, alpha);
	assert(alpha->unread == 0 && rooms_next_active(&rs) == NULL);
	assert(rooms_step(&rs, 1) == ops && rooms_step(&rs, -2) == dm);

	tui_rows_init(&rows);
	ops->unread = 3;
	ops->mentions = 1;
	rooms_sidebar(&rs, 16, 10, &rows);
	assert(rows.n == 10);
	for (int i = 0; i < rows.n; i++)
		assert(rows.row[i].width <= 16);
	assert(strstr(rows.row[0].text, "ioe") != NULL);
	assert(strstr(rows.row[2].text, "ops") != NULL);
	assert(strstr(rows.row[2].text, "3@1") != NULL);
	/* A short sidebar scrolls to the current room. */
	rooms_select(&rs, dm);
	rooms_sidebar(&rs, 16, 2, &rows);
	assert(strstr(rows.row[1].text, "@bob@bravo") != NULL);

	tui_row_init(&row);
	rooms_activity(&rs, &row, 40);
	assert(strcmp(row.text, "3@") == 0);
	tui_row_free(&row);

	m = json_loads(
	    "[\"alice@alpha\",{\"user\":\"bob\",\"node\":\"bravo\"}]", 0, NULL);
	room_set_members(ops, m);
	json_decref(m);
	assert(room_has_member(ops, "alice@alpha"));
	assert(room_has_member(ops, "bob@bravo"));
	assert(!room_has_member(ops, "bob@alpha"));

	rooms_remove(&rs, dm);
	assert(rs.n == 3 && rs.cur == ops);
	rooms_remove(&rs, rs.r[0]); /* home stays */
	assert(rs.n == 3);
	tui_rows_free(&rows);
	rooms_free(&rs);
}
