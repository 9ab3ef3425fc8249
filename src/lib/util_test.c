/* Self-test of util.c. */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void util_test(bool verbose);

void
util_test(bool verbose)
{
	uint8_t bytes[4];
	char hex[9], *s, *cause = NULL, out[64];
	int64_t now = 1700000000000000, us;

	(void)verbose;
	hex_encode((const uint8_t *)"\x00\xff\x10\xab", 4, hex);
	assert(strcmp(hex, "00ff10ab") == 0);
	assert(hex_decode("00FF10ab", bytes, 4) == 0 && bytes[1] == 0xff);
	assert(hex_decode("00ff10a", bytes, 4) == -1);
	assert(hex_decode("00ff10ag", bytes, 4) == -1);
	{
		uint8_t le[8];

		le64_put(le, UINT64_C(0x0102030405060708));
		assert(le[0] == 8 && le[7] == 1);
		assert(le64_get(le) == UINT64_C(0x0102030405060708));
		assert(le32_get(le) == 0x05060708 && le16_get(le + 6) == 0x0102);
		le16_put(le, 0xfffe);
		assert(le[0] == 0xfe && le16_get(le) == 0xfffe);
	}
	assert(hex_is_valid("abc123") && !hex_is_valid("") &&
	    !hex_is_valid("xyz"));

	assert(time_parse("@1700000000", now, &us, NULL) == 0 &&
	    us == 1700000000000000);
	assert(time_parse("-15m", now, &us, NULL) == 0 &&
	    us == now - 900000000LL);
	assert(time_parse("-2h", now, &us, NULL) == 0);
	assert(time_parse("-1d", now, &us, NULL) == 0 &&
	    us == now - 86400000000LL);
	assert(time_parse("2023-11-14T22:13:20Z", now, &us, NULL) == 0 &&
	    us == 1700000000000000);
	assert(time_parse("2023-11-14 22:13", now, &us, NULL) == 0);
	assert(time_parse("2023-11-14", now, &us, NULL) == 0);
	assert(time_parse("10:00", now, &us, NULL) == 0);
	assert(time_parse("yesterday", now, &us, &cause) == -1);
	assert(strstr(cause, "bad time 'yesterday'") != NULL);
	free(cause);
	assert(time_parse("-15x", now, &us, NULL) == -1);
	assert(time_parse("-m", now, &us, NULL) == -1);
	assert(time_parse("@12abc", now, &us, NULL) == -1);
	time_format_iso(1700000000123456, out, sizeof out);
	assert(strcmp(out, "2023-11-14T22:13:20.123456Z") == 0);
	time_format_iso(-1, out, sizeof out);
	assert(strcmp(out, "1969-12-31T23:59:59.999999Z") == 0);
	time_format_duration(3725, out, sizeof out);
	assert(strcmp(out, "1h 2m 5s") == 0);
	size_format(0, out, sizeof out);
	assert(strcmp(out, "0 bytes") == 0);
	size_format(1, out, sizeof out);
	assert(strcmp(out, "1 byte") == 0);
	size_format(1023, out, sizeof out);
	assert(strcmp(out, "1023 bytes") == 0);
	size_format(1024, out, sizeof out);
	assert(strcmp(out, "1.0 KiB") == 0);
	size_format(1048575, out, sizeof out);
	assert(strcmp(out, "1023.9 KiB") == 0);
	size_format(1048576 + 1, out, sizeof out);
	assert(strcmp(out, "1.0 MiB") == 0);
	size_format(1536ULL << 20, out, sizeof out);
	assert(strcmp(out, "1.5 GiB") == 0);
	size_format(UINT64_MAX, out, sizeof out);
	assert(strcmp(out, "15.9 EiB") == 0);

	assert(text_is_utf8("h\xc3\xa9llo", 6));
	assert(!text_is_utf8("\xc3", 1));
	assert(!text_is_utf8("\xc0\xaf", 2));	/* overlong */
	assert(!text_is_utf8("\xed\xa0\x80", 3)); /* surrogate */
	assert(!text_is_utf8("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
	assert(text_is_utf8("\xf0\x9f\x9a\x91", 4)); /* ambulance */

	s = text_escape("a\x1b[31mb\nc\\\xc2\x9b\xff", 13);
	assert(strcmp(s, "a\\x1b[31mb\\nc\\\\\\xc2\\x9b\\xff") == 0);
	free(s);
	s = text_inert("a\\x1b\x1b", 6);
	assert(strcmp(s, "a\\x1b\\x1b") == 0);
	free(s);
	s = text_escape("h\xc3\xa9", 3);
	assert(strcmp(s, "h\xc3\xa9") == 0);
	free(s);

	assert(text_is_blank(" \t\v\f\r\n", 6));
	assert(text_is_blank("\xc2\xa0\xe3\x80\x80", 5));
	assert(text_is_blank("", 0));
	assert(!text_is_blank(" a ", 3));
	assert(!text_is_blank("\xc3\xa9", 2));

	size_t off;
	assert(text_find_control("ab\x1b", 3, &off) != NULL && off == 2);
	assert(text_find_control("a\tb\n", 4, &off) == NULL);

	assert(name_check("alpha-1.b_c", "node name", NULL) == 0);
	assert(name_check("", "node name", NULL) == -1);
	assert(name_check("-a", "node name", NULL) == -1);
	assert(name_check("a b", "node name", &cause) == -1);
	assert(strstr(cause, "may only hold") != NULL);
	free(cause);
	memset(out, 'a', 64);
	out[63] = '\0';
	assert(name_check(out, "node name", NULL) == 0);
	out[63] = 'a';
	out[64 - 1] = 'a';
	char longer[65];
	memset(longer, 'a', 64);
	longer[64] = '\0';
	assert(name_check(longer, "node name", NULL) == -1);

	/* fd_full: whole writes and reads, at an offset or the position, and
	 * a short count only at the end of the file. */
	{
		char path[] = "/tmp/ioe-util-test-XXXXXX", buf[8];
		int fd = mkstemp(path);

		assert(fd >= 0);
		assert(fd_full(fd, true, "abcdef", 6, -1) == 6);
		assert(fd_full(fd, true, "XY", 2, 1) == 2);
		assert(fd_full(fd, false, buf, 6, 0) == 6 &&
		    memcmp(buf, "aXYdef", 6) == 0);
		assert(fd_full(fd, false, buf, 8, 4) == 2);
		assert(lseek(fd, 0, SEEK_SET) == 0);
		assert(fd_full(fd, false, buf, 8, -1) == 6);
		assert(fd_full(-1, false, buf, 1, -1) == -1);
		close(fd);
		unlink(path);
	}
}
