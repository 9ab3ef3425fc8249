#include "config.h"

#include <assert.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "model-text.h"
#include "util.h"

static bool text_ascii;

void
tui_text_set_ascii(bool ascii)
{
	text_ascii = ascii;
}

bool
tui_text_is_ascii(void)
{
	return text_ascii;
}

size_t
tui_utf8_decode(const char *s, size_t len, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		n = 2;
		c = u[0] & 0x1f;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		n = 3;
		c = u[0] & 0x0f;
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		n = 4;
		c = u[0] & 0x07;
	} else
		goto bad;
	if (len < n || !text_is_utf8(s, n))
		goto bad;
	for (size_t i = 1; i < n; i++)
		c = (c << 6) | (u[i] & 0x3f);
	*cp = c;
	return n;
bad:
	*cp = 0xfffd;
	return 1;
}

size_t
tui_utf8_encode(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	if (cp <= 0x10ffff) {
		out[0] = (char)(0xf0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		return 4;
	}
	return 0;
}

size_t
tui_utf8_prev(const char *s, size_t pos)
{
	size_t p = pos;

	if (p == 0)
		return 0;
	p--;
	while (p > 0 && pos - p < 4 && ((unsigned char)s[p] & 0xc0) == 0x80)
		p--;
	return pos - p;
}

/* Invisible characters that change how the text around them shows:
 * bidi controls ("Trojan source"), zero-width characters, tags, line and
 * paragraph separators. Shown as escapes. */
static bool
text_is_format(uint32_t cp)
{
	return cp == 0x061c || cp == 0x180e || (cp >= 0x200b && cp <= 0x200f) ||
	       (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff ||
	       (cp >= 0xfff9 && cp <= 0xfffb) ||
	       (cp >= 0xe0000 && cp <= 0xe0fff);
}

int
tui_cp_width(uint32_t cp)
{
	int w;

	if (cp < 0x80)
		return cp >= 0x20 && cp != 0x7f ? 1 : 0;
	if (text_ascii)
		return 1; /* shown as '?' */
	w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

int
tui_text_width(const char *s, size_t len)
{
	size_t i = 0;
	int w = 0;

	while (i < len) {
		uint32_t cp;

		i += tui_utf8_decode(s + i, len - i, &cp);
		w += tui_cp_width(cp);
	}
	return w;
}

size_t
tui_text_fit(const char *s, size_t len, int maxw, int *w)
{
	size_t i = 0;
	int used = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = tui_utf8_decode(s + i, len - i, &cp);
		int cw = tui_cp_width(cp);

		if (used + cw > maxw)
			break;
		used += cw;
		i += n;
	}
	if (w != NULL)
		*w = used;
	return i;
}

/* Appends escaped text to out, replacing what text_escape lets through
 * but a terminal should not get as is. */
static void
text_safe_part(
    const char *s, size_t len, char **out, size_t *olen, size_t *ocap)
{
	char *esc = text_escape(s, len);
	size_t elen = strlen(esc), i = 0;

	while (i < elen) {
		uint32_t cp;
		size_t n = tui_utf8_decode(esc + i, elen - i, &cp);
		char piece[16];
		size_t plen;

		if (cp == '\t') {
			memcpy(piece, "    ", 4);
			plen = 4;
		} else if (cp >= 0x80 &&
		           (text_is_format(cp) ||
		               (!text_ascii && wcwidth((wchar_t)cp) < 0))) {
			plen = (size_t)snprintf(
			    piece, sizeof piece, "\\u{%x}", (unsigned)cp);
		} else if (cp >= 0x80 && text_ascii) {
			piece[0] = '?';
			plen = 1;
		} else {
			memcpy(piece, esc + i, n);
			plen = n;
		}
		if (*olen + plen + 1 > *ocap) {
			*ocap = (*olen + plen + 1) * 2;
			*out = realloc(*out, *ocap);
			if (*out == NULL)
				abort();
		}
		memcpy(*out + *olen, piece, plen);
		*olen += plen;
		i += n;
	}
	(*out)[*olen] = '\0';
	free(esc);
}

char *
tui_text_safe(const char *s, size_t len, bool keep_newlines)
{
	size_t olen = 0, ocap = len + 16, start = 0;
	char *out = xcalloc(ocap, 1);

	if (!keep_newlines) {
		text_safe_part(s, len, &out, &olen, &ocap);
		return out;
	}
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		text_safe_part(s + start, i - start, &out, &olen, &ocap);
		if (i < len) {
			if (olen + 2 > ocap) {
				ocap = (olen + 2) * 2;
				out = realloc(out, ocap);
				if (out == NULL)
					abort();
			}
			out[olen++] = '\n';
			out[olen] = '\0';
		}
		start = i + 1;
	}
	return out;
}

char *
tui_safe(const char *s)
{
	return s == NULL ? xstrdup("") : tui_text_safe(s, strlen(s), false);
}

size_t
tui_text_break(const char *s, size_t len, int width, size_t *next)
{
	size_t i = 0, space = 0;
	bool have_space = false;
	int used = 0;

	if (width < 1)
		width = 1;
	while (i < len) {
		uint32_t cp;
		size_t n = tui_utf8_decode(s + i, len - i, &cp);
		int cw = tui_cp_width(cp);

		if (cp == '\n') {
			*next = i + 1;
			return i;
		}
		if (used + cw > width) {
			if (cp == ' ') {
				/* The space that would overflow is the break.
				 */
				*next = i + 1;
				return i;
			}
			if (have_space && space > 0) {
				*next = space + 1;
				return space;
			}
			if (i == 0)
				i = n; /* a character wider than the row */
			*next = i;
			return i;
		}
		if (cp == ' ') {
			space = i;
			have_space = true;
		}
		used += cw;
		i += n;
	}
	*next = len;
	return len;
}

void
tui_time_hm(int64_t us, char out[8])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL || strftime(out, 8, "%H:%M", &tm) == 0)
		snprintf(out, 8, "--:--");
}

void
tui_time_day(int64_t us, char out[16])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, 16, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 16, "?");
}

/* "  key           value": the value wraps under itself, or under the key
 * when the width leaves no room for a column. */
void
tui_rows_pair(tui_rows_t *out, int width, const char *key, int style,
    const char *fmt, ...)
{
	tui_row_t *row = tui_rows_add(out);
	int col = 16 < width - 10 ? 16 : 2;
	size_t len, pos = 0;
	va_list ap;
	char *v, *safe;

	va_start(ap, fmt);
	v = xvasprintf(fmt, ap);
	va_end(ap);
	tui_row_puts(row, TS_NORMAL, "  ", width);
	tui_row_puts(row, TS_DIM, key, width - row->width);
	safe = tui_safe(v);
	len = strlen(safe);
	if (col == 2)
		row = tui_rows_add(out);
	do {
		size_t next, n;

		tui_row_pad(row, TS_NORMAL, col);
		n = tui_text_break(safe + pos, len - pos, width - col, &next);
		tui_row_add(row, style, safe + pos, n, width - col);
		pos += next;
		if (pos < len)
			row = tui_rows_add(out);
	} while (pos < len);
	free(safe);
	free(v);
}

int
tui_author_style(const char *who)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)who; *p != '\0';
	     p++)
		h = (h ^ *p) * 16777619u;
	return TS_AUTHOR0 + (int)(h % 6);
}

static bool
text_name_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-';
}

/* Length of the name at s, without the dots a sentence may end it with. */
static size_t
text_name_len(const char *s)
{
	size_t n = 0;

	while (text_name_char(s[n]))
		n++;
	while (n > 0 && s[n - 1] == '.')
		n--;
	return n;
}

bool
tui_text_mentions(const char *text, const char *user, const char *node)
{
	size_t ulen = strlen(user), nlen = node != NULL ? strlen(node) : 0;

	if (ulen == 0)
		return false;
	for (const char *p = strchr(text, '@'); p != NULL;
	     p = strchr(p + 1, '@')) {
		size_t n, m;

		if (p > text && (text_name_char(p[-1]) || p[-1] == '@'))
			continue;
		n = text_name_len(p + 1);
		if (n != ulen || strncmp(p + 1, user, ulen) != 0)
			continue;
		if (p[1 + n] != '@')
			return true;
		m = text_name_len(p + 2 + n);
		if (m == 0)
			return true; /* "@alice@" then nothing: alice */
		if (node != NULL && m == nlen &&
		    strncmp(p + 2 + n, node, nlen) == 0)
			return true;
	}
	return false;
}

int
tui_parse_duration(const char *s, int64_t *seconds)
{
	int64_t total = 0;
	const char *p = s;

	if (*p == '\0')
		return -1;
	while (*p != '\0') {
		char *end;
		long long v;

		if (!isdigit((unsigned char)*p))
			return -1;
		v = strtoll(p, &end, 10);
		if (v < 0 || v > 100000000)
			return -1;
		p = end;
		switch (*p) {
		case '\0':
			break;
		case 's':
			p++;
			break;
		case 'm':
			v *= 60;
			p++;
			break;
		case 'h':
			v *= 3600;
			p++;
			break;
		case 'd':
			v *= 86400;
			p++;
			break;
		default:
			return -1;
		}
		total += v;
		if (total > 100000000)
			return -1;
	}
	*seconds = total;
	return 0;
}

/* --- rows ---------------------------------------------------------------- */

void
tui_row_init(tui_row_t *row)
{
	memset(row, 0, sizeof *row);
}

void
tui_row_clear(tui_row_t *row)
{
	row->len = 0;
	row->nseg = 0;
	row->width = 0;
	if (row->text != NULL)
		row->text[0] = '\0';
}

void
tui_row_free(tui_row_t *row)
{
	free(row->text);
	free(row->seg);
	tui_row_init(row);
}

int
tui_row_add(tui_row_t *row, int style, const char *s, size_t len, int maxw)
{
	int w;

	if (maxw >= 0)
		len = tui_text_fit(s, len, maxw, &w);
	else
		w = tui_text_width(s, len);
	if (len == 0)
		return 0;
	if (row->len + len + 1 > row->cap) {
		row->cap = (row->len + len + 1) * 2;
		row->text = realloc(row->text, row->cap);
		if (row->text == NULL)
			abort();
	}
	memcpy(row->text + row->len, s, len);
	if (row->nseg > 0 && row->seg[row->nseg - 1].style == style)
		row->seg[row->nseg - 1].len += len;
	else {
		if (row->nseg == row->segcap) {
			row->segcap = row->segcap == 0 ? 8 : row->segcap * 2;
			row->seg = realloc(
			    row->seg, (size_t)row->segcap * sizeof *row->seg);
			if (row->seg == NULL)
				abort();
		}
		row->seg[row->nseg].style = style;
		row->seg[row->nseg].off = row->len;
		row->seg[row->nseg].len = len;
		row->nseg++;
	}
	row->len += len;
	row->text[row->len] = '\0';
	row->width += w;
	return w;
}

int
tui_row_puts(tui_row_t *row, int style, const char *s, int maxw)
{
	return tui_row_add(row, style, s, strlen(s), maxw);
}

int
tui_row_printf(tui_row_t *row, int style, int maxw, const char *fmt, ...)
{
	va_list ap;
	char *raw, *safe;
	int w, n;

	va_start(ap, fmt);
	n = vasprintf(&raw, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	safe = tui_text_safe(raw, (size_t)n, false);
	w = tui_row_puts(row, style, safe, maxw);
	free(safe);
	free(raw);
	return w;
}

void
tui_row_pad(tui_row_t *row, int style, int width)
{
	static const char spaces[] = "                                ";

	while (row->width < width) {
		int n = width - row->width;

		if (n > (int)sizeof spaces - 1)
			n = (int)sizeof spaces - 1;
		tui_row_add(row, style, spaces, (size_t)n, -1);
	}
}

void
tui_row_append(tui_row_t *row, const tui_row_t *src, int maxw)
{
	int left = maxw;

	for (int i = 0; i < src->nseg; i++) {
		int w;

		if (maxw >= 0 && left <= 0)
			break;
		w = tui_row_add(row, src->seg[i].style,
		    src->text + src->seg[i].off, src->seg[i].len,
		    maxw >= 0 ? left : -1);
		left -= w;
	}
}

char *
tui_row_plain(const tui_row_t *row)
{
	return xstrdup(row->text != NULL ? row->text : "");
}

void
tui_rows_init(tui_rows_t *rows)
{
	memset(rows, 0, sizeof *rows);
}

tui_row_t *
tui_rows_add(tui_rows_t *rows)
{
	if (rows->n == rows->cap) {
		int cap = rows->cap == 0 ? 32 : rows->cap * 2;

		rows->row = realloc(rows->row, (size_t)cap * sizeof *rows->row);
		if (rows->row == NULL)
			abort();
		for (int i = rows->cap; i < cap; i++)
			tui_row_init(&rows->row[i]);
		rows->cap = cap;
	}
	tui_row_clear(&rows->row[rows->n]);
	return &rows->row[rows->n++];
}

void
tui_rows_clear(tui_rows_t *rows)
{
	rows->n = 0;
}

void
tui_rows_free(tui_rows_t *rows)
{
	for (int i = 0; i < rows->cap; i++)
		tui_row_free(&rows->row[i]);
	free(rows->row);
	tui_rows_init(rows);
}

bool
tui_rows_find(const tui_rows_t *rows, const char *needle)
{
	for (int i = 0; i < rows->n; i++) {
		if (rows->row[i].text != NULL &&
		    strstr(rows->row[i].text, needle) != NULL)
			return true;
	}
	return false;
}

/* --- self-test ------------------------------------------------------------ */

void
model_text_test(bool verbose)
{
	char *s, buf[8];
	uint32_t cp;
	size_t next, n;
	int64_t secs;
	tui_row_t row;

	(void)verbose;
	/* Escape sequences and controls come out inert and visible. */
	s = tui_text_safe("red \x1b[31mALARM\x1b[0m\a end",
	    strlen("red \x1b[31mALARM\x1b[0m\a end"), false);
	assert(strchr(s, '\x1b') == NULL && strchr(s, '\a') == NULL);
	assert(strstr(s, "\\x1b[31mALARM") != NULL);
	free(s);
	/* C1 controls (CSI as one byte) and invalid bytes too. */
	s = tui_text_safe("a\xc2\x9b"
	                  "31mb\xff",
	    8, false);
	assert(strstr(s, "\\xc2") != NULL && strstr(s, "\\xff") != NULL);
	free(s);
	/* Bidi overrides and zero-width spaces are shown, not obeyed. */
	s = tui_safe("abc\xe2\x80\xae"
	             "def\xe2\x80\x8b");
	assert(strcmp(s, "abc\\u{202e}def\\u{200b}") == 0);
	free(s);
	/* Newlines: kept for the wrapper, or escaped; tabs become spaces. */
	s = tui_text_safe("one\ntwo\tx", 9, true);
	assert(strcmp(s, "one\ntwo    x") == 0);
	free(s);
	s = tui_text_safe("one\ntwo", 7, false);
	assert(strcmp(s, "one\\ntwo") == 0);
	free(s);
	/* UTF-8 passes through; ASCII mode turns it into '?'. */
	s = tui_safe("caf\xc3\xa9 \xe4\xb8\xad");
	assert(strcmp(s, "caf\xc3\xa9 \xe4\xb8\xad") == 0);
	free(s);
	tui_text_set_ascii(true);
	s = tui_safe("caf\xc3\xa9");
	assert(strcmp(s, "caf?") == 0);
	free(s);
	tui_text_set_ascii(false);

	assert(tui_utf8_decode("\xc3\xa9", 2, &cp) == 2 && cp == 0xe9);
	assert(tui_utf8_decode("\xe4\xb8\xad", 3, &cp) == 3 && cp == 0x4e2d);
	assert(tui_utf8_decode("\xe4\xb8", 2, &cp) == 1 && cp == 0xfffd);
	assert(tui_utf8_decode("\xc0\x80", 2, &cp) == 1);
	assert(tui_utf8_encode(0x1f600, buf) == 4);
	assert(tui_utf8_decode(buf, 4, &cp) == 4 && cp == 0x1f600);
	assert(tui_utf8_encode(0xd800, buf) == 0);
	assert(tui_utf8_prev("a\xc3\xa9", 3) == 2);
	assert(tui_utf8_prev("ab", 2) == 1);

	/* Widths: CJK takes two columns (in a UTF-8 locale). */
	if (wcwidth(0x4e2d) == 2) {
		assert(tui_text_width("a\xe4\xb8\xad", 4) == 3);
		assert(
		    tui_text_fit("\xe4\xb8\xad\xe4\xb8\xad", 6, 3, NULL) == 3);
	}
	assert(tui_text_width("abc", 3) == 3);

	/* Wrapping at spaces, cutting long words, obeying newlines. */
	n = tui_text_break("hello big world", 15, 10, &next);
	assert(n == 9 && next == 10); /* "hello big" / "world" */
	n = tui_text_break("abcdefghijkl", 12, 5, &next);
	assert(n == 5 && next == 5);
	n = tui_text_break("ab\ncd", 5, 10, &next);
	assert(n == 2 && next == 3);
	n = tui_text_break("short", 5, 10, &next);
	assert(n == 5 && next == 5);
	n = tui_text_break("abcde fgh", 9, 5, &next);
	assert(n == 5 && next == 6);

	/* Mentions. */
	assert(tui_text_mentions("hi @alice", "alice", "alpha"));
	assert(tui_text_mentions("@alice: look", "alice", "alpha"));
	assert(tui_text_mentions("ask @alice.", "alice", "alpha"));
	assert(tui_text_mentions("@alice@alpha ok", "alice", "alpha"));
	assert(!tui_text_mentions("@alice@bravo ok", "alice", "alpha"));
	assert(!tui_text_mentions("@alicex", "alice", "alpha"));
	assert(!tui_text_mentions("mail bob@alice", "alice", "alpha"));
	assert(!tui_text_mentions("alice", "alice", "alpha"));

	assert(tui_parse_duration("90s", &secs) == 0 && secs == 90);
	assert(tui_parse_duration("5m", &secs) == 0 && secs == 300);
	assert(tui_parse_duration("1h30m", &secs) == 0 && secs == 5400);
	assert(tui_parse_duration("45", &secs) == 0 && secs == 45);
	assert(tui_parse_duration("5x", &secs) != 0);
	assert(tui_parse_duration("", &secs) != 0);

	n = (size_t)tui_author_style("alice@alpha");
	assert(n >= TS_AUTHOR0 && n <= TS_AUTHOR5);
	assert(tui_author_style("alice@alpha") == (int)n);

	/* Rows: segments merge by style, clip to a width, pad. */
	tui_row_init(&row);
	tui_row_puts(&row, TS_TIME, "12:00", -1);
	tui_row_puts(&row, TS_TIME, " ", -1);
	tui_row_puts(&row, TS_NORMAL, "hello world", 5);
	assert(row.nseg == 2 && row.width == 11);
	assert(strcmp(row.text, "12:00 hello") == 0);
	tui_row_pad(&row, TS_NORMAL, 50);
	assert(row.width == 50 && row.nseg == 2);
	tui_row_clear(&row);
	tui_row_printf(&row, TS_NORMAL, -1, "x%cy", 0x1b);
	assert(strcmp(row.text, "x\\x1by") == 0);
	tui_row_free(&row);
}
