/* Text for the terminal: UTF-8, display widths, safe copies of text from
 * the mesh, wrapping, times, mentions. */
#ifndef IOE_TUI_MODEL_TEXT_H
#define IOE_TUI_MODEL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui.h"

/* When the terminal's locale is not UTF-8, every character past ASCII is
 * shown as '?'. Default: UTF-8. */
void tui_text_set_ascii(bool ascii);
bool tui_text_is_ascii(void);

/* Decodes one code point at s (len > 0). Returns the bytes used (1 for an
 * invalid byte, with *cp = 0xfffd). */
size_t tui_utf8_decode(const char *s, size_t len, uint32_t *cp);
/* Encodes cp into out. Returns the bytes written (1..4), 0 if cp is not
 * a valid scalar value. */
size_t tui_utf8_encode(uint32_t cp, char out[4]);
/* Bytes from s to the start of the code point before s + pos. */
size_t tui_utf8_prev(const char *s, size_t pos);

/* Columns the code point takes (0, 1 or 2) on a UTF-8 terminal. */
int tui_cp_width(uint32_t cp);
/* Columns of display-safe text. */
int tui_text_width(const char *s, size_t len);
/* Bytes of display-safe text s that fit in maxw columns; *w (if not
 * NULL) gets their width. */
size_t tui_text_fit(const char *s, size_t len, int maxw, int *w);

/* A copy of text from the mesh (or anyone) that is safe to draw: escape
 * sequences, controls, invalid bytes, and invisible format characters
 * (bidi overrides, zero-width spaces) become visible escapes (\x1b,
 * \u{202e}) through text_escape; tabs become spaces. Newlines stay as
 * '\n' when keep_newlines (the wrapper breaks rows there), else they
 * become "\n". Caller frees. */
char *tui_text_safe(const char *s, size_t len, bool keep_newlines);
/* tui_text_safe of a NUL-terminated string (NULL gives ""). */
char *tui_safe(const char *s);

/* Where to break display-safe text s for rows of width columns: returns
 * the bytes of the first row; *next gets where the next row starts (past
 * a space or newline the break swallowed). A word longer than a row is
 * cut. */
size_t tui_text_break(const char *s, size_t len, int width, size_t *next);

/* "12:34" (local time) of a time in Unix microseconds. */
void tui_time_hm(int64_t us, char out[8]);
/* "2026-11-22" (local time). */
void tui_time_day(int64_t us, char out[16]);

/* Appends "  key           value" (key a literal, the value formatted
 * and made safe) to out, the value wrapped in width columns. */
void tui_rows_pair(tui_rows_t *out, int width, const char *key, int style,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The author colour of "user@node": TS_AUTHOR0..TS_AUTHOR5. */
int tui_author_style(const char *who);

/* True if text mentions user (on node): "@user" not followed by "@other",
 * or "@user@node", where the '@' starts a word. */
bool tui_text_mentions(const char *text, const char *user, const char *node);

/* Parses a duration "90s", "5m", "1h", "2h30m" or plain seconds. Returns
 * 0 and the seconds, or -1. */
int tui_parse_duration(const char *s, int64_t *seconds);

void model_text_test(bool verbose);

#endif
