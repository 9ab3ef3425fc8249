#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-map.h"
#include "model-text.h"
#include "util.h"

void
map_init(map_t *self)
{
	memset(self, 0, sizeof *self);
}

void
map_free(map_t *self)
{
	for (size_t i = 0; i < self->n; i++) {
		free(self->node[i].key);
		free(self->node[i].name);
		free(self->node[i].users);
	}
	free(self->node);
	free(self->edge);
	map_init(self);
}

int
map_quality(bool has_rtt, double rtt_ms, double loss)
{
	if (!has_rtt || loss >= 0.2 || rtt_ms >= 500)
		return MAP_BAD;
	if (loss >= 0.05 || rtt_ms >= 100)
		return MAP_FAIR;
	return MAP_GOOD;
}

/* Names on the map are ASCII (node names are, by rule): anything else
 * from the mesh becomes '?'. */
static char *
map_name(const char *name)
{
	char *s = tui_safe(name != NULL ? name : "?");

	for (char *p = s; *p != '\0'; p++) {
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	}
	if (strlen(s) > 30)
		strcpy(s + 28, "..");
	return s;
}

static size_t
map_find(const map_t *self, const char *key)
{
	for (size_t i = 0; i < self->n; i++) {
		if (strcmp(self->node[i].key, key) == 0)
			return i;
	}
	return (size_t)-1;
}

/* "alice, bob" of a JSON array of names, ASCII, at most 30 columns. */
static char *
map_users(json_t *users)
{
	char *list = NULL, *s;
	json_t *u;
	size_t i;

	json_array_foreach(users, i, u)
	{
		char *t;

		if (!json_is_string(u))
			continue;
		t = xasprintf("%s%s%s", list != NULL ? list : "",
		    list != NULL ? ", " : "", json_string_value(u));
		free(list);
		list = t;
	}
	if (list == NULL)
		return NULL;
	s = map_name(list);
	free(list);
	return s;
}

static void
map_add_node(map_t *self, const char *key, const char *name, bool me, bool away)
{
	map_node_t *nd;

	self->node = realloc(self->node, (self->n + 1) * sizeof *self->node);
	if (self->node == NULL)
		abort();
	nd = &self->node[self->n++];
	memset(nd, 0, sizeof *nd);
	nd->key = xstrdup(key);
	nd->name = map_name(name);
	nd->self = me;
	nd->unreachable = away;
	nd->hop = me ? 0 : -1;
	nd->w = (int)strlen(nd->name) + 2;
}

static void
map_add_link(map_t *self, size_t a, size_t b, json_t *link)
{
	json_t *rtt = json_object_get(link, "rtt_ms");
	bool has = json_is_number(rtt);
	double r = has ? json_number_value(rtt) : 0;
	double loss = json_number_value(json_object_get(link, "loss"));
	int q = map_quality(has, r, loss);
	size_t lo = a < b ? a : b, hi = a < b ? b : a;

	for (size_t i = 0; i < self->m; i++) {
		if (self->edge[i].a == lo && self->edge[i].b == hi) {
			/* Both ends report the link: show the worse. */
			if (q > self->edge[i].quality) {
				self->edge[i].quality = q;
				self->edge[i].has_rtt = has;
				self->edge[i].rtt_ms = r;
				self->edge[i].loss = loss;
			}
			return;
		}
	}
	self->edge = realloc(self->edge, (self->m + 1) * sizeof *self->edge);
	if (self->edge == NULL)
		abort();
	self->edge[self->m++] = (map_edge_t){lo, hi, q, has, r, loss};
}

int
map_load(map_t *self, json_t *result, char **cause)
{
	json_t *nodes = json_object_get(result, "nodes"), *n, *l;
	const char *me = json_string_value(json_object_get(result, "self"));
	size_t i, k;
	bool grew = true;

	if (!json_is_array(nodes))
		return fail(cause, "the daemon's map has no 'nodes' list");
	map_free(self);
	json_array_foreach(nodes, i, n)
	{
		const char *key = json_string_value(json_object_get(n, "key"));

		if (key == NULL || map_find(self, key) != (size_t)-1)
			continue;
		map_add_node(self, key,
		    json_string_value(json_object_get(n, "name")),
		    json_is_true(json_object_get(n, "self")) ||
		        (me != NULL && strcmp(me, key) == 0),
		    false);
		self->node[self->n - 1].users =
		    map_users(json_object_get(n, "users"));
	}
	json_array_foreach(nodes, i, n)
	{
		size_t a = map_find(
		    self, json_string_value(json_object_get(n, "key")) != NULL
		              ? json_string_value(json_object_get(n, "key"))
		              : "");

		if (a == (size_t)-1)
			continue;
		json_array_foreach(json_object_get(n, "links"), k, l)
		{
			const char *key =
			    json_string_value(json_object_get(l, "key"));
			size_t b =
			    key != NULL ? map_find(self, key) : (size_t)-1;

			if (b != (size_t)-1 && b != a)
				map_add_link(self, a, b, l);
		}
	}
	json_array_foreach(json_object_get(result, "unreachable"), i, n)
	{
		const char *key = json_string_value(json_object_get(n, "key"));

		if (key != NULL && map_find(self, key) == (size_t)-1)
			map_add_node(self, key,
			    json_string_value(json_object_get(n, "name")),
			    false, true);
	}
	/* Hops from this node, over the links in both directions. */
	for (int hop = 0; grew; hop++) {
		grew = false;
		for (size_t e = 0; e < self->m; e++) {
			map_node_t *a = &self->node[self->edge[e].a];
			map_node_t *b = &self->node[self->edge[e].b];

			if (a->hop == hop && b->hop < 0) {
				b->hop = hop + 1;
				grew = true;
			} else if (b->hop == hop && a->hop < 0) {
				a->hop = hop + 1;
				grew = true;
			}
		}
	}
	self->loaded = true;
	return 0;
}

/* For placing: hop, then name. */
static int
map_ring(const map_t *self, const map_node_t *nd)
{
	int max = 0;

	if (nd->hop >= 0)
		return nd->hop;
	for (size_t i = 0; i < self->n; i++) {
		if (self->node[i].hop > max)
			max = self->node[i].hop;
	}
	return max + 1;
}

static bool
map_overlap(const map_node_t *a, const map_node_t *b)
{
	return a->y == b->y && a->x < b->x + b->w + 1 && b->x < a->x + a->w + 1;
}

struct map_slot {
	size_t i;
	double want;
};

static int
map_slot_cmp(const void *pa, const void *pb)
{
	const struct map_slot *a = pa, *b = pb;

	if (a->want != b->want)
		return a->want < b->want ? -1 : 1;
	return a->i < b->i ? -1 : 1;
}

void
map_layout(map_t *self, int width, int height)
{
	int rings = 0, maxw = 0;
	double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;

	for (size_t i = 0; i < self->n; i++) {
		if (self->node[i].unreachable)
			continue;
		if (map_ring(self, &self->node[i]) > rings)
			rings = map_ring(self, &self->node[i]);
		if (self->node[i].w > maxw)
			maxw = self->node[i].w;
	}
	for (int r = 0; r <= rings; r++) {
		struct map_slot *slot = xcalloc(self->n + 1, sizeof *slot);
		size_t k = 0;
		double rx =
		    r == 0 ? 0 : (width / 2.0 - maxw / 2.0 - 1) * r / rings;
		double ry = r == 0 ? 0 : (height / 2.0 - 0.5) * r / rings;

		/* Each node wants the angle of a neighbour one ring in. */
		for (size_t i = 0; i < self->n; i++) {
			map_node_t *nd = &self->node[i];
			double want = 1e9;

			if (nd->unreachable || map_ring(self, nd) != r)
				continue;
			for (size_t e = 0; e < self->m; e++) {
				size_t o =
				    self->edge[e].a == i   ? self->edge[e].b
				    : self->edge[e].b == i ? self->edge[e].a
				                           : (size_t)-1;

				if (o != (size_t)-1 &&
				    map_ring(self, &self->node[o]) == r - 1 &&
				    self->node[o].angle < want)
					want = self->node[o].angle;
			}
			slot[k].i = i;
			slot[k].want = want < 1e9 ? want : 0;
			k++;
		}
		qsort(slot, k, sizeof *slot, map_slot_cmp);
		for (size_t s = 0; s < k; s++) {
			map_node_t *nd = &self->node[slot[s].i];
			double a =
			    slot[0].want + 2 * M_PI * (double)s / (double)k;
			double x = cx + rx * cos(a), y = cy + ry * sin(a);

			nd->angle = slot[s].want;
			nd->x = (int)lround(x - nd->w / 2.0);
			nd->y = (int)lround(y);
			if (nd->x > width - nd->w)
				nd->x = width - nd->w;
			if (nd->x < 0)
				nd->x = 0;
			if (nd->y > height - 1)
				nd->y = height - 1;
			if (nd->y < 0)
				nd->y = 0;
		}
		free(slot);
	}
	/* Boxes that overlap move up or down. */
	for (size_t i = 0; i < self->n; i++) {
		map_node_t *nd = &self->node[i];
		int y0 = nd->y;

		if (nd->unreachable)
			continue;
		for (int t = 1; t < 2 * height + 2; t++) {
			bool clash = false;

			for (size_t j = 0; j < i && !clash; j++)
				clash = !self->node[j].unreachable &&
				        map_overlap(nd, &self->node[j]);
			if (!clash)
				break;
			nd->y = y0 + (t % 2 == 1 ? (t + 1) / 2 : -(t / 2));
			if (nd->y < 0 || nd->y >= height)
				nd->y = y0;
		}
	}
}

struct map_cell {
	char c;
	int style;
	int layer; /* 0 empty, 1 line, 2 label, 3 box */
};

static void
map_put(struct map_cell *g, int w, int h, int x, int y, char c, int style,
    int layer)
{
	if (x < 0 || y < 0 || x >= w || y >= h)
		return;
	if (g[y * w + x].layer > layer)
		return;
	g[y * w + x] = (struct map_cell){c, style, layer};
}

static int
map_edge_style(int q)
{
	return q == MAP_GOOD   ? TS_LINK_GOOD
	       : q == MAP_FAIR ? TS_LINK_FAIR
	                       : TS_LINK_BAD;
}

static void
map_draw_edge(
    const map_t *self, const map_edge_t *e, struct map_cell *g, int w, int h)
{
	const map_node_t *a = &self->node[e->a], *b = &self->node[e->b];
	int x0 = a->x + a->w / 2, y0 = a->y, x1 = b->x + b->w / 2, y1 = b->y;
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int err = dx + dy, style = map_edge_style(e->quality);
	int x = x0, y = y0;
	char label[32];
	int lx, ly, len;
	bool free_cells = true;

	while (x != x1 || y != y1) {
		int e2 = 2 * err, px = x, py = y;
		char c;

		if (e2 >= dy) {
			err += dy;
			x += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y += sy;
		}
		if (y == py)
			c = '-';
		else if (x == px)
			c = '|';
		else
			c = (x - px) * (y - py) > 0 ? '\\' : '/';
		if (x != x1 || y != y1)
			map_put(g, w, h, x, y, c, style, 1);
	}
	/* The round trip and the loss, in the middle, where there is room. */
	if (e->has_rtt)
		len = e->loss >= 0.01
		          ? snprintf(label, sizeof label, "%.0fms %.0f%%",
		                e->rtt_ms, 100 * e->loss)
		          : snprintf(label, sizeof label, "%.*fms",
		                e->rtt_ms < 10 ? 1 : 0, e->rtt_ms);
	else
		len = snprintf(label, sizeof label, "no rtt");
	lx = (x0 + x1) / 2 - len / 2;
	ly = (y0 + y1) / 2;
	if (y0 == y1)
		ly--; /* above a level line, not on it */
	if (ly < 0 || lx < 0 || lx + len > w || ly >= h)
		return;
	for (int i = -1; i <= len; i++) {
		if (lx + i >= 0 && lx + i < w && g[ly * w + lx + i].layer >= 2)
			free_cells = false;
	}
	if (!free_cells)
		return;
	for (int i = 0; i < len; i++)
		map_put(g, w, h, lx + i, ly, label[i], style, 2);
}

void
map_render(map_t *self, int width, int height, tui_rows_t *out)
{
	int area = height - 3, links = 0;
	struct map_cell *g;
	tui_row_t *row;
	const char *me = "?";
	size_t away = 0;

	tui_rows_clear(out);
	if (width < 1 || height < 1)
		return;
	for (size_t i = 0; i < self->n; i++) {
		if (self->node[i].self)
			me = self->node[i].name;
		away += self->node[i].unreachable;
	}
	links = (int)self->m;
	row = tui_rows_add(out);
	if (!self->loaded)
		tui_row_puts(row, TS_HEADING,
		    "map of the mesh: waiting for the "
		    "daemon",
		    width);
	else {
		tui_row_printf(row, TS_HEADING, width,
		    "mesh seen from %s: %zu node%s reachable, %d link%s", me,
		    self->n - away, self->n - away == 1 ? "" : "s", links,
		    links == 1 ? "" : "s");
		if (away > 0)
			tui_row_printf(row, TS_HEADING, width - row->width,
			    ", %zu unreachable", away);
	}
	if (area < 1) {
		while (out->n < height)
			tui_rows_add(out);
		out->n = height;
		return;
	}
	map_layout(self, width, area);
	g = xcalloc((size_t)width * (size_t)area, sizeof *g);
	for (size_t e = 0; e < self->m; e++) {
		if (!self->node[self->edge[e].a].unreachable &&
		    !self->node[self->edge[e].b].unreachable)
			map_draw_edge(self, &self->edge[e], g, width, area);
	}
	for (size_t i = 0; i < self->n; i++) {
		map_node_t *nd = &self->node[i];
		int style = nd->self ? TS_NODE_SELF : TS_NODE;

		if (nd->unreachable)
			continue;
		map_put(g, width, area, nd->x, nd->y, '[', style, 3);
		for (int k = 0; nd->name[k] != '\0'; k++)
			map_put(g, width, area, nd->x + 1 + k, nd->y,
			    nd->name[k], style, 3);
		map_put(
		    g, width, area, nd->x + nd->w - 1, nd->y, ']', style, 3);
	}
	/* The users of each node under it, where nothing else is. */
	for (size_t i = 0; i < self->n; i++) {
		map_node_t *nd = &self->node[i];
		int len, x, y = nd->y + 1;
		bool room = true;

		if (nd->unreachable || nd->users == NULL || y >= area)
			continue;
		len = (int)strlen(nd->users);
		x = nd->x + nd->w / 2 - len / 2;
		if (x < 0)
			x = 0;
		if (x + len > width)
			continue;
		for (int k = -1; k <= len && room; k++)
			room = x + k < 0 || x + k >= width ||
			       g[y * width + x + k].layer < 2;
		for (int k = 0; room && k < len; k++)
			map_put(
			    g, width, area, x + k, y, nd->users[k], TS_DIM, 2);
	}
	for (int y = 0; y < area; y++) {
		row = tui_rows_add(out);
		for (int x = 0; x < width; x++) {
			struct map_cell *c = &g[y * width + x];
			char ch = c->layer > 0 ? c->c : ' ';

			tui_row_add(row, c->layer > 0 ? c->style : TS_NORMAL,
			    &ch, 1, -1);
		}
	}
	free(g);
	row = tui_rows_add(out);
	if (away > 0) {
		tui_row_puts(row, TS_NODE_AWAY, "unreachable:", width);
		for (size_t i = 0; i < self->n; i++) {
			if (self->node[i].unreachable) {
				tui_row_puts(
				    row, TS_NODE_AWAY, " ", width - row->width);
				tui_row_puts(row, TS_NODE_AWAY,
				    self->node[i].name, width - row->width);
			}
		}
	}
	row = tui_rows_add(out);
	tui_row_puts(row, TS_DIM, "links: ", width);
	tui_row_puts(row, TS_LINK_GOOD, "good", width - row->width);
	tui_row_puts(row, TS_DIM, " (<100ms, <5% loss)  ", width - row->width);
	tui_row_puts(row, TS_LINK_FAIR, "fair", width - row->width);
	tui_row_puts(row, TS_DIM, "  ", width - row->width);
	tui_row_puts(row, TS_LINK_BAD, "bad", width - row->width);
	tui_row_puts(
	    row, TS_DIM, " (>=500ms, >=20% loss, no rtt)", width - row->width);
	while (out->n > height)
		out->n--;
}

/* --- self-test ------------------------------------------------------------ */

static json_t *
test_map(void)
{
	/* a line alpha - bravo - charlie, seen from alpha, and delta away */
	return json_loads(
	    "{\"self\":\"aa\",\"nodes\":["
	    "{\"key\":\"aa\",\"name\":\"alpha\",\"self\":true,"
	    "\"users\":[\"alice\",\"bob\"],\"links\":["
	    "{\"key\":\"bb\",\"name\":\"bravo\",\"rtt_ms\":1.5,\"loss\":0}]},"
	    "{\"key\":\"bb\",\"name\":\"bravo\",\"links\":["
	    "{\"key\":\"aa\",\"name\":\"alpha\",\"rtt_ms\":1.4,\"loss\":0},"
	    "{\"key\":\"cc\",\"name\":\"charlie\",\"rtt_ms\":150,\"loss\":0}]},"
	    "{\"key\":\"cc\",\"name\":\"char\\u001b[31mlie\",\"links\":["
	    "{\"key\":\"bb\",\"name\":\"bravo\",\"rtt_ms\":null,\"loss\":0},"
	    "{\"key\":\"zz\",\"name\":\"ghost\",\"rtt_ms\":1,\"loss\":0}]}],"
	    "\"unreachable\":[{\"key\":\"dd\",\"name\":\"delta\"}]}",
	    0, NULL);
}

void
model_map_test(bool verbose)
{
	map_t m;
	json_t *r = test_map();
	char *cause = NULL;
	tui_rows_t rows;
	int sizes[][2] = {{80, 20}, {120, 36}, {40, 10}, {200, 60}};

	(void)verbose;
	assert(r != NULL);
	map_init(&m);
	assert(map_load(&m, r, NULL) == 0);
	json_decref(r);
	assert(m.n == 4 && m.m == 2);
	assert(m.node[0].self && m.node[0].hop == 0);
	assert(m.node[1].hop == 1 && m.node[2].hop == 2);
	assert(m.node[3].unreachable && m.node[3].hop == -1);
	/* Both ends report bravo-charlie: the worse (no rtt) wins. */
	assert(m.edge[1].quality == MAP_BAD);
	assert(m.edge[0].quality == MAP_GOOD);
	assert(map_quality(true, 150, 0) == MAP_FAIR);
	assert(map_quality(true, 10, 0.3) == MAP_BAD);
	/* A hostile name is inert on the map too. */
	assert(strchr(m.node[2].name, '\x1b') == NULL);

	tui_rows_init(&rows);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		int w = sizes[s][0], h = sizes[s][1];

		map_render(&m, w, h, &rows);
		assert(rows.n == h);
		for (int i = 0; i < rows.n; i++)
			assert(rows.row[i].width <= w);
		assert(tui_rows_find(&rows, "[alpha]"));
		assert(tui_rows_find(&rows, "[bravo]"));
		assert(tui_rows_find(&rows, "[char\\x1b[31mlie]"));
		assert(tui_rows_find(&rows, "unreachable: delta"));
		/* No two boxes on top of each other. */
		for (size_t i = 0; i < m.n; i++)
			for (size_t j = 0; j < i; j++)
				assert(m.node[i].unreachable ||
				       m.node[j].unreachable ||
				       !map_overlap(&m.node[i], &m.node[j]));
	}
	map_render(&m, 120, 36, &rows);
	assert(tui_rows_find(&rows, "1.5ms") || tui_rows_find(&rows, "1.4ms"));
	assert(tui_rows_find(&rows, "alice, bob"));
	assert(tui_rows_find(&rows, "mesh seen from alpha: 3 nodes reachable"));

	r = json_pack("{s:i}", "nodes", 3);
	assert(map_load(&m, r, &cause) == -1 && cause != NULL);
	free(cause);
	json_decref(r);
	map_free(&m);
	/* Not loaded yet: says so. */
	map_render(&m, 80, 20, &rows);
	assert(tui_rows_find(&rows, "waiting for the daemon"));
	tui_rows_free(&rows);
}
