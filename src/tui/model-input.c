#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model-input.h"
#include "model-text.h"
#include "tui.h"
#include "util.h"

void
input_init(input_t *self)
{
	memset(self, 0, sizeof *self);
	self->cap = 64;
	self->buf = xcalloc(self->cap, 1);
}

static void
input_cand_free(input_t *self)
{
	for (size_t i = 0; i < self->ncand; i++)
		free(self->cand[i]);
	free(self->cand);
	self->cand = NULL;
	self->ncand = 0;
	self->ci = 0;
}

void
input_free(input_t *self)
{
	free(self->buf);
	free(self->kill);
	for (size_t i = 0; i < self->nhist; i++)
		free(self->hist[i]);
	free(self->hist);
	free(self->draft);
	input_cand_free(self);
	memset(self, 0, sizeof *self);
}

static void
input_reserve(input_t *self, size_t more)
{
	if (self->len + more + 1 > self->cap) {
		self->cap = (self->len + more + 1) * 2;
		self->buf = realloc(self->buf, self->cap);
		if (self->buf == NULL)
			abort();
	}
}

/* Replaces bytes [from, to) with text. */
static void
input_splice(
    input_t *self, size_t from, size_t to, const char *text, size_t tlen)
{
	input_reserve(self, tlen);
	memmove(self->buf + from + tlen, self->buf + to, self->len - to + 1);
	memcpy(self->buf + from, text, tlen);
	self->len = self->len - (to - from) + tlen;
}

static void
input_cut(input_t *self, size_t from, size_t to)
{
	if (from >= to)
		return;
	free(self->kill);
	self->kill = xcalloc(to - from + 1, 1);
	memcpy(self->kill, self->buf + from, to - from);
	input_splice(self, from, to, "", 0);
	self->cur = from;
}

bool
input_insert(input_t *self, unsigned cp)
{
	char enc[4];
	size_t n;

	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0))
		return false;
	if ((n = tui_utf8_encode(cp, enc)) == 0)
		return false;
	if (self->len + n > INPUT_MAX_BYTES)
		return false;
	input_splice(self, self->cur, self->cur, enc, n);
	self->cur += n;
	return true;
}

void
input_set(input_t *self, const char *text)
{
	size_t n = strlen(text);

	input_splice(self, 0, self->len, text, n);
	self->cur = self->len;
	self->hscroll = 0;
}

static size_t
input_next(const input_t *self, size_t pos)
{
	uint32_t cp;

	if (pos >= self->len)
		return self->len;
	return pos + tui_utf8_decode(self->buf + pos, self->len - pos, &cp);
}

static size_t
input_prev(const input_t *self, size_t pos)
{
	return pos - tui_utf8_prev(self->buf, pos);
}

static bool
is_space(char c)
{
	return c == ' ';
}

static size_t
input_word_left(const input_t *self, size_t pos)
{
	while (pos > 0 && is_space(self->buf[pos - 1]))
		pos--;
	while (pos > 0 && !is_space(self->buf[pos - 1]))
		pos--;
	return pos;
}

static size_t
input_word_right(const input_t *self, size_t pos)
{
	while (pos < self->len && is_space(self->buf[pos]))
		pos++;
	while (pos < self->len && !is_space(self->buf[pos]))
		pos++;
	return pos;
}

/* Shows history entry i (nhist: the draft). */
static void
input_show_history(input_t *self, size_t i)
{
	if (self->hpos == self->nhist) {
		free(self->draft);
		self->draft = xstrdup(self->buf);
	}
	self->hpos = i;
	input_set(self, i == self->nhist
	                    ? (self->draft != NULL ? self->draft : "")
	                    : self->hist[i]);
}

enum input_result
input_key(input_t *self, int key)
{
	if (key != TK_TAB && key != TK_BTAB)
		input_complete_end(self);
	switch (key) {
	case TK_LEFT:
	case TK_CTRL('b'):
		self->cur = input_prev(self, self->cur);
		return INPUT_CHANGED;
	case TK_RIGHT:
	case TK_CTRL('f'):
		self->cur = input_next(self, self->cur);
		return INPUT_CHANGED;
	case TK_HOME:
	case TK_CTRL('a'):
		self->cur = 0;
		return INPUT_CHANGED;
	case TK_END:
	case TK_CTRL('e'):
		self->cur = self->len;
		return INPUT_CHANGED;
	case TK_CTRL_LEFT:
	case TK_ALT | 'b':
		self->cur = input_word_left(self, self->cur);
		return INPUT_CHANGED;
	case TK_CTRL_RIGHT:
	case TK_ALT | 'f':
		self->cur = input_word_right(self, self->cur);
		return INPUT_CHANGED;
	case TK_BACKSPACE:
	case TK_CTRL('h'):
	case 0x7f:
		if (self->cur > 0) {
			size_t p = input_prev(self, self->cur);

			input_splice(self, p, self->cur, "", 0);
			self->cur = p;
		}
		return INPUT_CHANGED;
	case TK_DELETE:
	case TK_CTRL('d'):
		if (self->cur < self->len)
			input_splice(self, self->cur,
			    input_next(self, self->cur), "", 0);
		return INPUT_CHANGED;
	case TK_CTRL('w'):
		input_cut(self, input_word_left(self, self->cur), self->cur);
		return INPUT_CHANGED;
	case TK_ALT | 'd':
		input_cut(self, self->cur, input_word_right(self, self->cur));
		return INPUT_CHANGED;
	case TK_CTRL('u'):
		input_cut(self, 0, self->cur);
		return INPUT_CHANGED;
	case TK_CTRL('k'):
		input_cut(self, self->cur, self->len);
		return INPUT_CHANGED;
	case TK_CTRL('y'):
		if (self->kill != NULL &&
		    self->len + strlen(self->kill) <= INPUT_MAX_BYTES) {
			size_t n = strlen(self->kill);

			input_splice(self, self->cur, self->cur, self->kill, n);
			self->cur += n;
		}
		return INPUT_CHANGED;
	case TK_UP:
		if (self->hpos > 0)
			input_show_history(self, self->hpos - 1);
		return INPUT_CHANGED;
	case TK_DOWN:
		if (self->hpos < self->nhist)
			input_show_history(self, self->hpos + 1);
		return INPUT_CHANGED;
	case TK_ENTER:
	case TK_CTRL('m'):
	case TK_CTRL('j'):
		return INPUT_SUBMIT;
	default:
		if (key >= 0x20 && key < TK_BASE &&
		    input_insert(self, (unsigned)key))
			return INPUT_CHANGED;
		return INPUT_IGNORED;
	}
}

char *
input_take(input_t *self)
{
	char *line = xstrdup(self->buf);

	if (*line != '\0' &&
	    (self->nhist == 0 ||
	        strcmp(self->hist[self->nhist - 1], line) != 0)) {
		if (self->nhist == INPUT_HISTORY_MAX) {
			free(self->hist[0]);
			memmove(self->hist, self->hist + 1,
			    (self->nhist - 1) * sizeof *self->hist);
			self->nhist--;
		}
		self->hist =
		    realloc(self->hist, (self->nhist + 1) * sizeof *self->hist);
		if (self->hist == NULL)
			abort();
		self->hist[self->nhist++] = xstrdup(line);
	}
	self->hpos = self->nhist;
	free(self->draft);
	self->draft = NULL;
	input_set(self, "");
	input_complete_end(self);
	return line;
}

char *
input_word(const input_t *self, size_t *start)
{
	size_t s = self->cur;
	char *w;

	while (s > 0 && !is_space(self->buf[s - 1]))
		s--;
	*start = s;
	w = xcalloc(self->cur - s + 1, 1);
	memcpy(w, self->buf + s, self->cur - s);
	return w;
}

/* Puts candidate i in place of the word being completed. */
static void
input_show_candidate(input_t *self, size_t i)
{
	const char *c = self->cand[i];
	size_t n = strlen(c);

	if (self->len - (self->cur - self->word_start) + n + 1 >
	    INPUT_MAX_BYTES)
		return;
	input_splice(self, self->word_start, self->cur, c, n);
	self->cur = self->word_start + n;
	self->ci = i;
}

size_t
input_complete(input_t *self, char **cand, size_t ncand, bool backward)
{
	if (self->completing && self->ncand > 1) {
		size_t i = backward ? (self->ci + self->ncand - 1) % self->ncand
		                    : (self->ci + 1) % self->ncand;

		for (size_t k = 0; k < ncand; k++)
			free(cand[k]);
		free(cand);
		input_show_candidate(self, i);
		return self->ncand;
	}
	input_complete_end(self);
	if (ncand == 0) {
		free(cand);
		return 0;
	}
	self->cand = cand;
	self->ncand = ncand;
	free(input_word(self, &self->word_start));
	input_show_candidate(self, backward ? ncand - 1 : 0);
	if (ncand == 1) {
		if (self->cur == self->len || self->buf[self->cur] != ' ')
			input_insert(self, ' ');
		else
			self->cur++;
		input_complete_end(self);
	} else
		self->completing = true;
	return ncand;
}

void
input_complete_end(input_t *self)
{
	self->completing = false;
	input_cand_free(self);
}

void
input_view(input_t *self, int width, size_t *from, size_t *to, int *cursor_col)
{
	int w;

	if (width < 2)
		width = 2;
	if (self->hscroll > self->cur)
		self->hscroll = self->cur;
	if (self->hscroll > self->len)
		self->hscroll = 0;
	/* Keep the cursor in view, a little before the right edge. */
	while (tui_text_width(self->buf + self->hscroll,
	           self->cur - self->hscroll) > width - 1)
		self->hscroll = input_next(self, self->hscroll);
	/* Scroll back when there is room again (after deleting). */
	while (self->hscroll > 0) {
		size_t p = input_prev(self, self->hscroll);

		if (tui_text_width(self->buf + p, self->len - p) > width - 1)
			break;
		self->hscroll = p;
	}
	*from = self->hscroll;
	*to = self->hscroll + tui_text_fit(self->buf + self->hscroll,
	                          self->len - self->hscroll, width, &w);
	*cursor_col = tui_text_width(
	    self->buf + self->hscroll, self->cur - self->hscroll);
}

/* --- self-test ------------------------------------------------------------ */

static void
type(input_t *in, const char *s)
{
	size_t i = 0, len = strlen(s);

	while (i < len) {
		uint32_t cp;

		i += tui_utf8_decode(s + i, len - i, &cp);
		input_key(in, (int)cp);
	}
}

static char **
cands(const char *a, const char *b, const char *c)
{
	char **v = xcalloc(3, sizeof *v);

	v[0] = xstrdup(a);
	if (b != NULL)
		v[1] = xstrdup(b);
	if (c != NULL)
		v[2] = xstrdup(c);
	return v;
}

void
model_input_test(bool verbose)
{
	input_t in;
	char *line;
	size_t from, to;
	int col;

	(void)verbose;
	input_init(&in);
	type(&in, "hello world");
	assert(strcmp(in.buf, "hello world") == 0 && in.cur == 11);
	input_key(&in, TK_CTRL('w'));
	assert(strcmp(in.buf, "hello ") == 0);
	input_key(&in, TK_CTRL('y'));
	assert(strcmp(in.buf, "hello world") == 0);
	input_key(&in, TK_HOME);
	input_key(&in, TK_RIGHT);
	input_key(&in, TK_DELETE);
	assert(strcmp(in.buf, "hllo world") == 0 && in.cur == 1);
	input_key(&in, TK_CTRL('k'));
	assert(strcmp(in.buf, "h") == 0);
	input_key(&in, TK_END);
	/* UTF-8: one key, one character, however many bytes. */
	type(&in, "\xc3\xa9\xe4\xb8\xad");
	assert(in.len == 6);
	input_key(&in, TK_BACKSPACE);
	assert(strcmp(in.buf, "h\xc3\xa9") == 0);
	input_key(&in, TK_LEFT);
	assert(in.cur == 1);
	/* Controls and escape sequences are not typed in. */
	assert(!input_insert(&in, 0x1b));
	assert(!input_insert(&in, 0x9b));
	assert(input_key(&in, TK_ENTER) == INPUT_SUBMIT);
	line = input_take(&in);
	assert(strcmp(line, "h\xc3\xa9") == 0 && in.len == 0);
	free(line);

	/* History: Up, Up, Down back to the draft. */
	type(&in, "second");
	free(input_take(&in));
	type(&in, "draft");
	input_key(&in, TK_UP);
	assert(strcmp(in.buf, "second") == 0);
	input_key(&in, TK_UP);
	assert(strcmp(in.buf, "h\xc3\xa9") == 0);
	input_key(&in, TK_UP);
	assert(strcmp(in.buf, "h\xc3\xa9") == 0);
	input_key(&in, TK_DOWN);
	input_key(&in, TK_DOWN);
	assert(strcmp(in.buf, "draft") == 0);
	input_set(&in, "");

	/* Completion: one candidate and a space; several cycle. */
	type(&in, "/jo");
	free(input_word(&in, &from));
	assert(input_complete(&in, cands("/join", NULL, NULL), 1, false) == 1);
	assert(strcmp(in.buf, "/join ") == 0 && !in.completing);
	type(&in, "o");
	assert(
	    input_complete(&in, cands("ops", "ops2", "opera"), 3, false) == 3);
	assert(strcmp(in.buf, "/join ops") == 0);
	input_complete(&in, NULL, 0, false);
	assert(strcmp(in.buf, "/join ops2") == 0);
	input_complete(&in, NULL, 0, false);
	input_complete(&in, NULL, 0, false);
	assert(strcmp(in.buf, "/join ops") == 0);
	input_complete(&in, NULL, 0, true);
	assert(strcmp(in.buf, "/join opera") == 0);
	type(&in, "x");
	assert(!in.completing && strcmp(in.buf, "/join operax") == 0);
	input_set(&in, "");

	/* Horizontal scrolling keeps the cursor in view. */
	for (int i = 0; i < 100; i++)
		input_key(&in, 'a' + i % 26);
	input_view(&in, 20, &from, &to, &col);
	assert(to == in.len && col == 19 && to - from == 19);
	input_key(&in, TK_HOME);
	input_view(&in, 20, &from, &to, &col);
	assert(from == 0 && col == 0 && to == 20);
	input_key(&in, TK_CTRL('k'));
	input_view(&in, 20, &from, &to, &col);
	assert(from == 0 && to == 0 && col == 0);
	input_free(&in);
}
