/* A buffer: the lines of one room (or of the home buffer) with
 * scroll-back, laid out into rows for a given width. */
#ifndef IOE_TUI_MODEL_BUFFER_H
#define IOE_TUI_MODEL_BUFFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui.h"

enum line_kind {
	LINE_MSG,            /* a message: time, author, text */
	LINE_NOTICE,         /* joins, topics, command output */
	LINE_ERROR,          /* an error the user should see */
	LINE_ALERT,          /* an urgent alert */
	LINE_ALERT_CRITICAL, /* a critical alert */
};

typedef struct line {
	char *id;        /* entry id, or NULL */
	int64_t time_us; /* Unix microseconds */
	int64_t lamport; /* order key (lamport, author, seq); 0: unknown */
	char *author;    /* author key (hex), or NULL */
	int64_t seq;
	char *who;     /* display-safe "user@node", or NULL */
	char *text;    /* display-safe, '\n' kept */
	int kind;      /* enum line_kind */
	int who_style; /* TS_AUTHOR0.., TS_SELF */
	bool mention;  /* mentions the acting user */
} line_t;

/* What to add: texts as received (the buffer makes them safe). */
struct line_spec {
	const char *id;
	int64_t time_us;
	int64_t lamport;
	const char *author;
	int64_t seq;
	const char *who;
	const char *text;
	int kind;
	bool mention;
	bool self;
};

typedef struct buffer {
	line_t **line;
	size_t n, cap;
	size_t max;    /* oldest lines go past this many */
	int scroll;    /* rows between the bottom of the view and the end */
	bool at_top;   /* the last layout showed the first line */
	bool complete; /* the daemon has nothing older */
	int width;     /* width of the last layout */
	size_t unseen; /* lines that came while scrolled up */
} buffer_t;

/* A buffer keeping at most max lines. Caller owns return value. */
buffer_t *buffer_new(size_t max);
void buffer_destroy(buffer_t **self_p);
void buffer_clear(buffer_t *self);

/* Adds a line in the log's order: after the lines it follows by
 * (lamport, author, seq) when both are known, else at the end. A line
 * whose id is already there is not added. Returns true if added. */
bool buffer_add(buffer_t *self, const struct line_spec *spec);
/* Adds a line older than every line (history paging), after the lines
 * inserted by earlier calls with the same *at (start it at 0). */
bool buffer_add_older(buffer_t *self, const struct line_spec *spec, size_t *at);
/* Adds a notice, error or alert line at the end, now. */
void buffer_note(buffer_t *self, int kind, int64_t time_us, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));
bool buffer_has(const buffer_t *self, const char *id);
/* Time of the oldest message line, or 0. */
int64_t buffer_oldest_us(const buffer_t *self);

/* Scrolls by rows (positive: back in time). The top is found by the next
 * layout. */
void buffer_scroll(buffer_t *self, int rows);
void buffer_scroll_bottom(buffer_t *self);

/* The rows a view of width x height shows now, top to bottom, each at
 * most width columns; empty rows above when the buffer is short. */
void buffer_layout(buffer_t *self, int width, int height, tui_rows_t *out);

void model_buffer_test(bool verbose);

#endif
