/* What the model and the view of ioe-tui share: key codes, styles, and the
 * rows of styled text that the model lays out and the view copies to the
 * terminal. No curses here: the model never calls curses, and the view
 * (view-*.c) never decides what to show. */
#ifndef IOE_TUI_H
#define IOE_TUI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A key: a Unicode code point (32 and up), a control character (1..31,
 * TK_CTRL('a') for Ctrl-A), or one of these, possibly or'ed with TK_ALT. */
enum {
	TK_BASE = 0x200000,
	TK_UP,
	TK_DOWN,
	TK_LEFT,
	TK_RIGHT,
	TK_CTRL_LEFT,
	TK_CTRL_RIGHT,
	TK_HOME,
	TK_END,
	TK_PGUP,
	TK_PGDN,
	TK_BACKSPACE,
	TK_DELETE,
	TK_ENTER,
	TK_TAB,
	TK_BTAB,
	TK_ESC,
	TK_F1,
	TK_F2,
	TK_F3,
	TK_F4,
	TK_F5,
	TK_F6,
	TK_F7,
	TK_F8,
	TK_RESIZE,
};
#define TK_ALT     0x1000000  /* or'ed with a key typed with Alt */
#define TK_CTRL(c) ((c)&0x1f) /* TK_CTRL('a') == 1 */

/* What a piece of text means; the view turns it into colours and
 * attributes (or attributes only, without colour). */
enum tui_style {
	TS_NORMAL,
	TS_TIME,
	TS_AUTHOR0, /* six author colours, by a hash of user@node */
	TS_AUTHOR1,
	TS_AUTHOR2,
	TS_AUTHOR3,
	TS_AUTHOR4,
	TS_AUTHOR5,
	TS_SELF,         /* lines and names of the acting user */
	TS_MENTION,      /* a line that mentions the acting user */
	TS_SYSTEM,       /* joins, topics, notices */
	TS_ERROR,        /* errors in the status line and buffers */
	TS_ALERT_URGENT, /* the alert banner and alert lines */
	TS_ALERT_CRITICAL,
	TS_BAR,         /* title and status bars */
	TS_BAR_HI,      /* something to see in a bar */
	TS_SIDEBAR_CUR, /* the current room in the room list */
	TS_UNREAD,      /* unread counts */
	TS_MENTIONS,    /* mention counts */
	TS_LINK_GOOD,   /* map links by quality */
	TS_LINK_FAIR,
	TS_LINK_BAD,
	TS_NODE, /* map nodes */
	TS_NODE_SELF,
	TS_NODE_AWAY,
	TS_HEADING,
	TS_PROMPT,
	TS_DIM,
	TS_COUNT
};

/* A row of the screen: text (display-safe UTF-8) cut into styled
 * segments. width is its width in columns. */
struct tui_seg {
	int style;
	size_t off; /* into text */
	size_t len;
};

typedef struct tui_row {
	char *text;
	size_t len, cap;
	struct tui_seg *seg;
	int nseg, segcap;
	int width;
} tui_row_t;

typedef struct tui_rows {
	tui_row_t *row;
	int n, cap;
} tui_rows_t;

/* Rows (model-text.c). Free functions accept zeroed rows. */
void tui_row_init(tui_row_t *row);
void tui_row_clear(tui_row_t *row);
void tui_row_free(tui_row_t *row);
/* Appends len bytes of display-safe text, at most maxw more columns of it
 * (maxw < 0: all). Returns the columns added. */
int tui_row_add(tui_row_t *row, int style, const char *s, size_t len, int maxw);
/* tui_row_add of a NUL-terminated string. */
int tui_row_puts(tui_row_t *row, int style, const char *s, int maxw);
/* Formats, makes the result display-safe, appends it. */
int tui_row_printf(tui_row_t *row, int style, int maxw, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Appends spaces until the row is width columns wide. */
void tui_row_pad(tui_row_t *row, int style, int width);
/* Appends the segments of src, at most maxw columns of them. */
void tui_row_append(tui_row_t *row, const tui_row_t *src, int maxw);
/* The row's text with styles dropped, for tests. Caller frees. */
char *tui_row_plain(const tui_row_t *row);

void tui_rows_init(tui_rows_t *rows);
/* Appends an empty row. Returns it (valid until the next add). */
tui_row_t *tui_rows_add(tui_rows_t *rows);
void tui_rows_clear(tui_rows_t *rows);
void tui_rows_free(tui_rows_t *rows);
/* True if some row holds needle, for tests. */
bool tui_rows_find(const tui_rows_t *rows, const char *needle);

#endif
