#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

char *
xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	return s;
}

int
fail(char **cause, const char *fmt, ...)
{
	va_list ap;

	if (cause != NULL) {
		va_start(ap, fmt);
		*cause = xvasprintf(fmt, ap);
		va_end(ap);
	}
	return -1;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *
xstrdup(const char *s)
{
	char *copy = strdup(s);

	if (copy == NULL)
		abort();
	return copy;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		abort();
	return p;
}

void
hex_encode(const uint8_t *bytes, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *hex, uint8_t *bytes, size_t len)
{
	if (strlen(hex) != 2 * len)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int hi = hex_value((unsigned char)hex[2 * i]);
		int lo = hex_value((unsigned char)hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		bytes[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool
hex_is_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (hex_value((unsigned char)*s) < 0)
			return false;
	}
	return true;
}

void
le16_put(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

void
le32_put(uint8_t *p, uint32_t v)
{
	le16_put(p, v & 0xffff);
	le16_put(p + 2, (uint16_t)(v >> 16));
}

void
le64_put(uint8_t *p, uint64_t v)
{
	le32_put(p, (uint32_t)v);
	le32_put(p + 4, (uint32_t)(v >> 32));
}

uint16_t
le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t
le32_get(const uint8_t *p)
{
	return le16_get(p) | (uint32_t)le16_get(p + 2) << 16;
}

uint64_t
le64_get(const uint8_t *p)
{
	return le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

int64_t
time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
time_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Floor division, so that times before 1970 format correctly too. */
static void
time_split(int64_t us, time_t *sec, long *frac)
{
	int64_t s = us / 1000000, f = us % 1000000;

	if (f < 0) {
		f += 1000000;
		s--;
	}
	*sec = (time_t)s;
	*frac = (long)f;
}

void
time_format_iso(int64_t us, char *out, size_t size)
{
	struct tm tm;
	time_t sec;
	long frac;
	char date[24];

	time_split(us, &sec, &frac);
	if (gmtime_r(&sec, &tm) == NULL) {
		snprintf(out, size, "@%lld", (long long)sec);
		return;
	}
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%06ldZ", date, frac);
}

void
time_format_local(int64_t us, char *out, size_t size)
{
	struct tm tm;
	time_t sec;
	long frac;

	time_split(us, &sec, &frac);
	if (localtime_r(&sec, &tm) == NULL) {
		snprintf(out, size, "@%lld", (long long)sec);
		return;
	}
	strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm);
}

void
time_format_duration(int64_t s, char *out, size_t size)
{
	if (s < 60)
		snprintf(out, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, size, "%lldm %llds", (long long)(s / 60),
		    (long long)(s % 60));
	else if (s < 86400)
		snprintf(out, size, "%lldh %lldm %llds", (long long)(s / 3600),
		    (long long)(s % 3600 / 60), (long long)(s % 60));
	else
		snprintf(out, size, "%lldd %lldh %lldm", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600), (long long)(s % 3600 / 60));
}

void
size_format(uint64_t bytes, char *out, size_t size)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
		"PiB", "EiB" };
	uint64_t scale = 1024;
	size_t i = 0;

	if (bytes < 1024) {
		snprintf(out, size, "%llu byte%s", (unsigned long long)bytes,
		    bytes == 1 ? "" : "s");
		return;
	}
	while (i + 1 < sizeof units / sizeof units[0] &&
	    bytes / scale >= 1024) {
		scale *= 1024;
		i++;
	}
	/* Tenths in integers: a double would round 1048575 up to 1.0 MiB. */
	snprintf(out, size, "%llu.%llu %s",
	    (unsigned long long)(bytes / scale),
	    (unsigned long long)(bytes % scale * 10 / scale), units[i]);
}

/* Parses all of s as a decimal number in [0, max]. */
static int
parse_number(const char *s, long long max, long long *value)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*value = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *value > max)
		return -1;
	return 0;
}

int
time_parse(const char *s, int64_t now_us, int64_t *us, char **cause)
{
	static const char *const local_formats[] = {
		"%Y-%m-%d %H:%M:%S",
		"%Y-%m-%d %H:%M",
		"%Y-%m-%dT%H:%M:%S",
		"%Y-%m-%dT%H:%M",
		"%Y-%m-%d",
	};
	long long n;
	struct tm tm;
	const char *end;
	time_t t;

	if (*s == '@') {
		if (parse_number(s + 1, INT64_MAX / 1000000, &n) != 0)
			goto bad;
		*us = n * 1000000;
		return 0;
	}
	if (*s == '-') {
		size_t len = strlen(s);
		char digits[32];
		long long unit;

		if (len < 3 || len > sizeof digits)
			goto bad;
		switch (s[len - 1]) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: goto bad;
		}
		memcpy(digits, s + 1, len - 2);
		digits[len - 2] = '\0';
		if (parse_number(digits, 100LL * 365 * 86400 / unit, &n) != 0)
			goto bad;
		*us = now_us - n * unit * 1000000;
		return 0;
	}

	/* UTC with a trailing Z. */
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end != NULL && end[0] == 'Z' && end[1] == '\0') {
		t = timegm(&tm);
		*us = (int64_t)t * 1000000;
		return 0;
	}

	for (size_t i = 0; i < sizeof local_formats / sizeof *local_formats;
	     i++) {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, local_formats[i], &tm);
		if (end != NULL && *end == '\0') {
			tm.tm_isdst = -1;
			t = mktime(&tm);
			*us = (int64_t)t * 1000000;
			return 0;
		}
	}

	/* A time of day alone means today, local time. */
	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%H:%M:%S", &tm);
	if (end == NULL || *end != '\0') {
		memset(&tm, 0, sizeof tm);
		end = strptime(s, "%H:%M", &tm);
	}
	if (end != NULL && *end == '\0') {
		struct tm today;
		time_t now = (time_t)(now_us / 1000000);

		localtime_r(&now, &today);
		today.tm_hour = tm.tm_hour;
		today.tm_min = tm.tm_min;
		today.tm_sec = tm.tm_sec;
		today.tm_isdst = -1;
		*us = (int64_t)mktime(&today) * 1000000;
		return 0;
	}
bad:
	return fail(cause,
	    "bad time '%s': use 2026-11-22T10:00:00Z, '2026-11-22 10:00', "
	    "10:00, -15m or @UNIXSECONDS",
	    s);
}

bool
text_is_utf8(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		uint32_t cp;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return false;
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

bool
text_is_blank(const char *text, size_t len)
{
	/* UTF-8 encodings of the Unicode white space a keyboard or a paste
	 * can bring. */
	static const char *const spaces[] = {
		"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80",
		"\xe2\x80\x81", "\xe2\x80\x82", "\xe2\x80\x83",
		"\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86",
		"\xe2\x80\x87", "\xe2\x80\x88", "\xe2\x80\x89",
		"\xe2\x80\x8a", "\xe2\x80\x8b", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f",
		"\xe3\x80\x80", "\xef\xbb\xbf",
	};
	size_t i = 0;

	while (i < len) {
		size_t k, n = 0;

		if (isspace((unsigned char)text[i])) {
			i++;
			continue;
		}
		for (k = 0; k < sizeof spaces / sizeof *spaces; k++) {
			n = strlen(spaces[k]);
			if (len - i >= n && memcmp(text + i, spaces[k], n) == 0)
				break;
		}
		if (k == sizeof spaces / sizeof *spaces)
			return false;
		i += n;
	}
	return true;
}

const char *
text_find_control(const char *text, size_t len, size_t *offset)
{
	const unsigned char *s = (const unsigned char *)text;

	for (size_t i = 0; i < len; i++) {
		*offset = i;
		if (s[i] == '\t' || s[i] == '\n')
			continue;
		if (s[i] < 0x20)
			return s[i] == 0x1b ? "an escape character"
					    : "a control character";
		if (s[i] == 0x7f)
			return "a DEL character";
		/* C1 controls are U+0080..U+009F, encoded c2 80..c2 9f. */
		if (s[i] == 0xc2 && i + 1 < len && s[i + 1] >= 0x80 &&
		    s[i + 1] <= 0x9f)
			return "a C1 control character";
	}
	return NULL;
}

static char *text_escape_as(const char *text, size_t len, bool backslash);

char *
text_escape(const char *text, size_t len)
{
	return text_escape_as(text, len, true);
}

char *
text_inert(const char *text, size_t len)
{
	return text_escape_as(text, len, false);
}

static char *
text_escape_as(const char *text, size_t len, bool backslash)
{
	const unsigned char *s = (const unsigned char *)text;
	char *out = xcalloc(len * 4 + 1, 1), *p = out;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n = c < 0x80 ? 0 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;

		if (c == '\n') {
			*p++ = '\\';
			*p++ = 'n';
			i++;
		} else if (c == '\\' && backslash) {
			*p++ = '\\';
			*p++ = '\\';
			i++;
		} else if (c == '\t') {
			*p++ = '\t';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			p += sprintf(p, "\\x%02x", c);
			i++;
		} else if (c < 0x80) {
			*p++ = (char)c;
			i++;
		} else if (!text_is_utf8(text + i, n + 1 <= len - i ? n + 1 : len - i) ||
		    (c == 0xc2 && s[i + 1] <= 0x9f)) {
			/* Invalid bytes and C1 controls stay inert. */
			p += sprintf(p, "\\x%02x", c);
			i++;
		} else {
			memcpy(p, s + i, n + 1);
			p += n + 1;
			i += n + 1;
		}
	}
	*p = '\0';
	return out;
}

int
name_check(const char *name, const char *what, char **cause)
{
	size_t len = strlen(name);

	if (len == 0)
		return fail(cause, "%s is empty", what);
	if (len > IOE_NAME_MAX)
		return fail(cause, "%s '%.20s...' is longer than %d characters",
		    what, name, IOE_NAME_MAX);
	if (!isalnum((unsigned char)name[0]))
		return fail(cause,
		    "%s must start with a letter or a digit", what);
	for (const char *p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' &&
		    *p != '-') {
			char *shown = text_escape(name, len);
			int rc = fail(cause,
			    "%s '%s' may only hold letters, digits, '.', '_' "
			    "and '-'",
			    what, shown);

			free(shown);
			return rc;
		}
	}
	return 0;
}

const char *
getopt_refused(char **argv)
{
	static char shortname[3];

	/* Long options of our tables use codes past 255. */
	if (optopt > 0 && optopt < 256) {
		snprintf(shortname, sizeof shortname, "-%c", optopt);
		return shortname;
	}
	return argv[optind - 1];
}

ssize_t
fd_full(int fd, bool writing, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		char *p = (char *)buf + done;
		ssize_t n;

		if (off >= 0)
			n = writing ? pwrite(fd, p, len - done, off + (off_t)done)
				    : pread(fd, p, len - done, off + (off_t)done);
		else
			n = writing ? write(fd, p, len - done)
				    : read(fd, p, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (!writing)
				break;
			errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

char *
read_stream(int fd, size_t max, size_t *len, char **cause)
{
	size_t size = 4096, used = 0;
	char *buf = xcalloc(size + 1, 1);

	for (;;) {
		ssize_t n;

		if (used == size) {
			if (size > max)
				break;
			size *= 2;
			buf = realloc(buf, size + 1);
			if (buf == NULL)
				abort();
		}
		n = read(fd, buf + used, size - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(cause, "read: %s", strerror(errno));
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	if (used > max) {
		fail(cause, "input is larger than %zu bytes", max);
		free(buf);
		return NULL;
	}
	buf[used] = '\0';
	*len = used;
	return buf;
}

int
write_file_atomic(const char *path, const void *data, size_t len, int mode,
    char **cause)
{
	char *tmp = xasprintf("%s.tmp", path);
	const char *p = data;
	int fd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		fail(cause, "cannot create '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (fd_full(fd, true, (void *)p, len, -1) < 0) {
		fail(cause, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (fsync(fd) != 0 || fchmod(fd, (mode_t)mode) != 0) {
		fail(cause, "cannot write '%s': %s", tmp, strerror(errno));
		goto done;
	}
	if (rename(tmp, path) != 0) {
		fail(cause, "cannot rename '%s' to '%s': %s", tmp, path,
		    strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

char *
read_file(const char *path, size_t max, size_t *len, char **cause)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *data, *reason = NULL;

	if (fd < 0) {
		fail(cause, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	data = read_stream(fd, max, len, &reason);
	close(fd);
	if (data == NULL) {
		fail(cause, "'%s': %s", path, reason);
		free(reason);
	}
	return data;
}

void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

uint32_t
be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

void
be64_put(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
}

uint64_t
be64_get(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}
