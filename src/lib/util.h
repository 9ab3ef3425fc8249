/* Small helpers shared by every program: errors, hex, time, text. */
#ifndef IOE_UTIL_H
#define IOE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define IOE_NAME_MAX 63

/* Sets *cause (if cause is not NULL) to a new formatted string the caller
 * frees. Returns -1, so that `return fail(cause, ...)` reads naturally. */
int fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formatted string the caller frees; aborts on memory exhaustion, as every
 * caller would. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));
char *xstrdup(const char *s);
void *xcalloc(size_t n, size_t size);

/* Lower-case hex of len bytes into out, which holds 2 * len + 1. */
void hex_encode(const uint8_t *bytes, size_t len, char *out);
/* Big-endian integers in bytes, as the wire and the log write them. */
void be32_put(uint8_t *p, uint32_t v);
uint32_t be32_get(const uint8_t *p);
void be64_put(uint8_t *p, uint64_t v);
uint64_t be64_get(const uint8_t *p);
/* Decodes exactly 2 * len hex digits. Returns 0, or -1 if malformed. */
int hex_decode(const char *hex, uint8_t *bytes, size_t len);
/* True if s is a non-empty run of hex digits. */
bool hex_is_valid(const char *s);

/* Little-endian integers in byte buffers (WAV, Ogg). */
void le16_put(uint8_t *p, uint16_t v);
void le32_put(uint8_t *p, uint32_t v);
void le64_put(uint8_t *p, uint64_t v);
uint16_t le16_get(const uint8_t *p);
uint32_t le32_get(const uint8_t *p);
uint64_t le64_get(const uint8_t *p);

/* Wall-clock time in Unix microseconds. */
int64_t time_now_us(void);
/* Monotonic time in microseconds. */
int64_t time_mono_us(void);
/* "2026-11-22T10:00:00.123456Z" into out (at least 32 bytes). */
void time_format_iso(int64_t us, char *out, size_t size);
/* "2026-11-22 11:00:00" in local time into out (at least 32 bytes). */
void time_format_local(int64_t us, char *out, size_t size);
/* "1h 2m 3s" style duration into out. */
void time_format_duration(int64_t seconds, char *out, size_t size);
/* A size for people, in powers of 1024: "0 bytes", "1 byte", "1023 bytes",
 * "1.0 KiB", "5.0 MiB", "1.5 GiB", "2.0 TiB" (one decimal, rounded down so
 * that a file one byte short of 1 MiB never shows as "1.0 MiB"). out holds
 * at least 24 bytes. */
void size_format(uint64_t bytes, char *out, size_t size);
/* Parses an absolute or relative time (see ioectl(1), TIME) relative to
 * now_us. Returns 0, or -1 with *cause set. */
int time_parse(const char *s, int64_t now_us, int64_t *us, char **cause);

/* True if the len bytes are well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF). */
bool text_is_utf8(const char *s, size_t len);
/* True if the text holds nothing but white space: ASCII spaces and
 * controls of spacing, and the Unicode spaces (no-break, en/em, ideographic,
 * zero-width, byte-order mark). */
bool text_is_blank(const char *s, size_t len);

/* Returns a description of the first character a text may not contain
 * (C0 controls other than tab and newline, DEL, C1 controls), or NULL. */
const char *text_find_control(const char *s, size_t len, size_t *offset);
/* Copy of s safe to print on a terminal: control characters, escape
 * sequences and invalid bytes become visible escapes (\n, \x1b). Caller
 * frees. */
char *text_escape(const char *s, size_t len);

/* As text_escape, but a backslash stays one: for messages that may quote
 * text already escaped, where only the control characters matter. */
char *text_inert(const char *s, size_t len);

/* Node and room names: 1..63 of [A-Za-z0-9._-], starting alphanumeric.
 * Returns 0, or -1 with *cause set. */
int name_check(const char *name, const char *what, char **cause);

/* Writes len bytes to path through a temporary file, fsync and rename, so
 * that a crash leaves the old file or the new one. Returns 0, or -1 with
 * *cause set. */
int write_file_atomic(const char *path, const void *data, size_t len,
    int mode, char **cause);
/* Reads a whole file of at most max bytes. Caller frees. */
char *read_file(const char *path, size_t max, size_t *len, char **cause);

/* The option getopt just refused, as typed: "-x" for a short one, even
 * inside a group such as "-fx", else the argument itself. */
const char *getopt_refused(char **argv);

/* Reads or writes all len bytes of buf, at offset off (or at the file's
 * position if off is negative), again after a signal. Returns the bytes
 * done, fewer than len only when a read meets the end of the file, or -1
 * with errno set. */
ssize_t fd_full(int fd, bool writing, void *buf, size_t len, off_t off);

/* Reads a whole stream (at most max bytes). Returns a NUL-terminated buffer
 * the caller frees and its length, or NULL with *cause set. */
char *read_stream(int fd, size_t max, size_t *len, char **cause);

#endif
