#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-alert.h"
#include "model-text.h"
#include "util.h"

void
alerts_init(alerts_t *self)
{
	memset(self, 0, sizeof *self);
}

static void
alert_free(alert_t *a)
{
	free(a->id);
	free(a->room);
	free(a->level);
	free(a->from);
	free(a->text);
	free(a->to);
}

void
alerts_free(alerts_t *self)
{
	for (size_t i = 0; i < self->n; i++)
		alert_free(&self->a[i]);
	free(self->a);
	alerts_init(self);
}

static char *
alert_str(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? xstrdup(s) : NULL;
}

/* mine first; then critical before urgent; then older first */
static int
alert_cmp(const void *pa, const void *pb)
{
	const alert_t *a = pa, *b = pb;
	bool ca = a->level != NULL && strcmp(a->level, "critical") == 0;
	bool cb = b->level != NULL && strcmp(b->level, "critical") == 0;

	if (a->mine != b->mine)
		return a->mine ? -1 : 1;
	if (ca != cb)
		return ca ? -1 : 1;
	if (a->time_us != b->time_us)
		return a->time_us < b->time_us ? -1 : 1;
	return strcmp(a->id, b->id);
}

int
alerts_load(alerts_t *self, json_t *result, const char *me, char **cause)
{
	json_t *list = json_object_get(result, "alerts"), *a, *p;
	alert_t *v;
	size_t i, k, n = 0;

	if (!json_is_array(list))
		return fail(cause, "the daemon's alerts have no 'alerts' list");
	v = xcalloc(json_array_size(list) + 1, sizeof *v);
	json_array_foreach(list, i, a)
	{
		alert_t *x = &v[n];
		json_t *open = json_object_get(a, "open");

		if (json_string_value(json_object_get(a, "id")) == NULL)
			continue;
		if (json_is_false(open))
			continue;
		x->id = alert_str(a, "id");
		x->room = alert_str(a, "room");
		x->level = alert_str(a, "level");
		x->from = alert_str(a, "user");
		x->text = alert_str(a, "text");
		x->to = alert_str(a, "to");
		x->time_us = json_integer_value(json_object_get(a, "time_us"));
		x->deadline_s =
		    json_integer_value(json_object_get(a, "deadline_s"));
		x->npending = json_array_size(json_object_get(a, "pending"));
		x->nacked = json_array_size(json_object_get(a, "acked"));
		x->escalations =
		    json_array_size(json_object_get(a, "escalations"));
		json_array_foreach(json_object_get(a, "pending"), k, p)
		{
			if (me != NULL && json_is_string(p) &&
			    strcmp(json_string_value(p), me) == 0)
				x->mine = true;
		}
		n++;
	}
	alerts_free(self);
	qsort(v, n, sizeof *v, alert_cmp);
	self->a = v;
	self->n = n;
	return 0;
}

void
alerts_drop(alerts_t *self, const char *id)
{
	for (size_t i = 0; i < self->n; i++) {
		if (strcmp(self->a[i].id, id) == 0) {
			alert_free(&self->a[i]);
			memmove(self->a + i, self->a + i + 1,
			    (self->n - i - 1) * sizeof *self->a);
			self->n--;
			return;
		}
	}
}

const alert_t *
alerts_banner(const alerts_t *self)
{
	return self->n > 0 && self->a[0].mine ? &self->a[0] : NULL;
}

size_t
alerts_mine(const alerts_t *self)
{
	size_t n = 0;

	for (size_t i = 0; i < self->n; i++)
		n += self->a[i].mine;
	return n;
}

const alert_t *
alerts_find(const alerts_t *self, const char *prefix, bool *ambiguous)
{
	const alert_t *found = NULL;
	size_t len = strlen(prefix);

	*ambiguous = false;
	for (size_t i = 0; i < self->n; i++) {
		if (strncmp(self->a[i].id, prefix, len) != 0)
			continue;
		if (found != NULL) {
			*ambiguous = true;
			return NULL;
		}
		found = &self->a[i];
	}
	return found;
}

void
alerts_banner_row(const alerts_t *self, int width, tui_row_t *row)
{
	const alert_t *a = alerts_banner(self);
	bool critical;
	char *hint, *left;
	int style, hw;
	size_t more;

	tui_row_clear(row);
	if (a == NULL)
		return;
	critical = a->level != NULL && strcmp(a->level, "critical") == 0;
	style = critical ? TS_ALERT_CRITICAL : TS_ALERT_URGENT;
	more = alerts_mine(self) - 1;
	if (more > 0)
		hint = xasprintf(" (/ack to acknowledge; %zu more) ", more);
	else
		hint = xasprintf(" (/ack to acknowledge) ");
	left = xasprintf(" !! %s %s%s%s  %s: %s%s",
	    critical ? "CRITICAL" : "URGENT", a->room != NULL ? a->room : "",
	    a->to != NULL ? " to " : "", a->to != NULL ? a->to : "",
	    a->from != NULL ? a->from : "?", a->text != NULL ? a->text : "",
	    a->escalations > 0 ? "  [escalated]" : "");
	hw = tui_text_width(hint, strlen(hint));
	if (hw > width)
		hw = 0;
	/* The text is cut, never the hint. */
	tui_row_printf(row, style, width - hw, "%s", left);
	if (hw > 0) {
		tui_row_pad(row, style, width - hw);
		tui_row_puts(row, style, hint, -1);
	} else
		tui_row_pad(row, style, width);
	free(hint);
	free(left);
}

/* --- self-test ------------------------------------------------------------ */

void
model_alert_test(bool verbose)
{
	alerts_t al;
	json_t *r;
	tui_row_t row;
	char *cause = NULL;
	bool amb;
	const alert_t *a;

	(void)verbose;
	alerts_init(&al);
	r = json_loads(
	    "{\"alerts\":["
	    "{\"id\":\"aaaa1111\",\"room\":\"ops\",\"level\":\"urgent\","
	    "\"user\":\"bob@bravo\",\"text\":\"water\",\"time_us\":10,"
	    "\"to\":null,\"deadline_s\":0,\"acked\":[],"
	    "\"pending\":[\"alice@alpha\"],\"escalations\":[],\"open\":true},"
	    "{\"id\":\"bbbb2222\",\"room\":\"ops\",\"level\":\"critical\","
	    "\"user\":\"bob@bravo\",\"text\":\"fire "
	    "\\u001b[31m\",\"time_us\":20,"
	    "\"to\":\"medic\",\"deadline_s\":60,\"acked\":[],"
	    "\"pending\":[\"alice@alpha\",\"carol@charlie\"],"
	    "\"escalations\":[{\"role\":null,\"time\":\"x\"}],\"open\":true},"
	    "{\"id\":\"aaaa3333\",\"room\":\"ops\",\"level\":\"critical\","
	    "\"user\":\"bob@bravo\",\"text\":\"not mine\",\"time_us\":5,"
	    "\"pending\":[\"carol@charlie\"],\"open\":true},"
	    "{\"id\":\"cccc4444\",\"room\":\"ops\",\"level\":\"critical\","
	    "\"user\":\"bob@bravo\",\"text\":\"closed\",\"time_us\":1,"
	    "\"pending\":[],\"open\":false}]}",
	    0, NULL);
	assert(r != NULL);
	assert(alerts_load(&al, r, "alice@alpha", NULL) == 0);
	json_decref(r);
	assert(al.n == 3 && alerts_mine(&al) == 2);
	/* Critical first, even if newer; then urgent; then not mine. */
	a = alerts_banner(&al);
	assert(a != NULL && strcmp(a->id, "bbbb2222") == 0);
	assert(strcmp(al.a[1].id, "aaaa1111") == 0);
	assert(!al.a[2].mine);

	tui_row_init(&row);
	alerts_banner_row(&al, 120, &row);
	assert(row.width == 120);
	assert(strstr(row.text, "CRITICAL") != NULL);
	assert(strstr(row.text, "\\x1b[31m") != NULL);
	assert(strchr(row.text, '\x1b') == NULL);
	assert(strstr(row.text, "(/ack to acknowledge; 1 more)") != NULL);
	assert(row.seg[0].style == TS_ALERT_CRITICAL);
	/* Narrow: the text is cut, the hint stays. */
	alerts_banner_row(&al, 40, &row);
	assert(row.width == 40 && strstr(row.text, "/ack") != NULL);

	assert(alerts_find(&al, "bbbb", &amb) == &al.a[0]);
	assert(alerts_find(&al, "aaaa", &amb) == NULL && amb);
	assert(alerts_find(&al, "dddd", &amb) == NULL && !amb);

	/* Acknowledged: the next one shows; then none. */
	alerts_drop(&al, "bbbb2222");
	a = alerts_banner(&al);
	assert(a != NULL && strcmp(a->id, "aaaa1111") == 0);
	alerts_banner_row(&al, 80, &row);
	assert(strstr(row.text, "URGENT") != NULL &&
	       strstr(row.text, "more") == NULL);
	alerts_drop(&al, "aaaa1111");
	assert(alerts_banner(&al) == NULL);
	alerts_banner_row(&al, 80, &row);
	assert(row.width == 0);

	r = json_pack("{s:s}", "alerts", "nope");
	assert(alerts_load(&al, r, "alice@alpha", &cause) == -1);
	free(cause);
	json_decref(r);
	tui_row_free(&row);
	alerts_free(&al);
}
