#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <opus.h>

#include "oggopus.h"
#include "opus-codec.h"
#include "util.h"

#define OGG_HEADER    27
#define OGG_BOS       0x02
#define OGG_EOS       0x04
#define OGG_CONTINUED 0x01
/* A page holds at most 255 lacing values; the writer also ends a page
 * once it holds 1 s of audio, so that seeking stays fine-grained. */
#define OGG_PAGE_SEGMENTS  255
#define OGG_PAGE_SAMPLES48 48000

struct oggopus_writer {
	uint8_t *out; /* the file so far */
	size_t len, size;
	uint32_t serial;
	uint32_t pageno;
	unsigned input_rate;
	unsigned preskip; /* at 48 kHz */
	int64_t granule;  /* 48 kHz samples of every packet added */
	/* The page being filled. */
	uint8_t lacing[OGG_PAGE_SEGMENTS];
	size_t nlacing;
	uint8_t *body;
	size_t body_len, body_size;
	int64_t page_samples;
	bool finished;
};

uint32_t
oggopus_crc(uint32_t crc, const uint8_t *p, size_t len)
{
	static uint32_t table[256];
	static bool ready;

	if (!ready) {
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t r = i << 24;

			for (int k = 0; k < 8; k++)
				r = r & 0x80000000u ? (r << 1) ^ 0x04c11db7u
				                    : r << 1;
			table[i] = r;
		}
		ready = true;
	}
	for (size_t i = 0; i < len; i++)
		crc = (crc << 8) ^ table[((crc >> 24) ^ p[i]) & 0xff];
	return crc;
}

static void
grow(uint8_t **buf, size_t *size, size_t need)
{
	if (need <= *size)
		return;
	while (*size < need)
		*size = *size ? *size * 2 : 4096;
	if ((*buf = realloc(*buf, *size)) == NULL)
		abort();
}

/* Appends the page being filled to the file, with flags. */
static void
oggopus_writer_flush(oggopus_writer_t *self, int flags, int64_t granule)
{
	size_t page = OGG_HEADER + self->nlacing + self->body_len;
	uint8_t *p;

	grow(&self->out, &self->size, self->len + page);
	p = self->out + self->len;
	memcpy(p, "OggS", 4);
	p[4] = 0;
	p[5] = (uint8_t)flags;
	le64_put(p + 6, (uint64_t)granule);
	le32_put(p + 14, self->serial);
	le32_put(p + 18, self->pageno++);
	le32_put(p + 22, 0);
	p[26] = (uint8_t)self->nlacing;
	memcpy(p + OGG_HEADER, self->lacing, self->nlacing);
	memcpy(p + OGG_HEADER + self->nlacing, self->body, self->body_len);
	le32_put(p + 22, oggopus_crc(0, p, page));
	self->len += page;
	self->nlacing = 0;
	self->body_len = 0;
	self->page_samples = 0;
}

/* Puts one packet in the page being filled (the caller made room). */
static void
oggopus_writer_put(oggopus_writer_t *self, const uint8_t *packet, size_t len)
{
	size_t n = len;

	for (;;) {
		size_t lace = n < 255 ? n : 255;

		self->lacing[self->nlacing++] = (uint8_t)lace;
		n -= lace;
		if (lace < 255)
			break;
	}
	grow(&self->body, &self->body_size, self->body_len + len);
	memcpy(self->body + self->body_len, packet, len);
	self->body_len += len;
}

oggopus_writer_t *
oggopus_writer_new(unsigned input_rate, unsigned lookahead, const char *talker,
    int64_t time_us, char **cause)
{
	oggopus_writer_t *self;
	uint8_t head[19];
	char date[32], *vendor, *c_talker, *c_date;
	const char *comments[2];
	size_t tags_len;
	uint8_t *tags, *p;

	if (opus_codec_check_rate(input_rate, cause) != 0)
		return NULL;
	self = xcalloc(1, sizeof *self);
	self->input_rate = input_rate;
	self->preskip = lookahead * (48000 / input_rate);
	self->serial = (uint32_t)(time_us ^ (time_us >> 32) ^ getpid());

	/* OpusHead: version 1, mono, pre-skip, input rate, gain 0,
	 * mapping family 0. Alone on the first page. */
	memcpy(head, "OpusHead", 8);
	head[8] = 1;
	head[9] = 1;
	le16_put(head + 10, self->preskip);
	le32_put(head + 12, input_rate);
	le16_put(head + 16, 0);
	head[18] = 0;
	oggopus_writer_put(self, head, sizeof head);
	oggopus_writer_flush(self, OGG_BOS, 0);

	/* OpusTags: vendor string and the comments, on a page of its own.
	 * It fits one page (talker names are short; long ones are cut). */
	time_format_iso(time_us, date, sizeof date);
	vendor =
	    xasprintf("ioe %s, %s", PACKAGE_VERSION, opus_get_version_string());
	c_talker = xasprintf("TALKER=%.200s", talker != NULL ? talker : "");
	c_date = xasprintf("DATE=%s", date);
	comments[0] = c_talker;
	comments[1] = c_date;
	tags_len = 8 + 4 + strlen(vendor) + 4;
	for (int i = 0; i < 2; i++)
		tags_len += 4 + strlen(comments[i]);
	p = tags = xcalloc(tags_len, 1);
	memcpy(p, "OpusTags", 8);
	le32_put(p + 8, (uint32_t)strlen(vendor));
	memcpy(p + 12, vendor, strlen(vendor));
	p += 12 + strlen(vendor);
	le32_put(p, 2);
	p += 4;
	for (int i = 0; i < 2; i++) {
		le32_put(p, (uint32_t)strlen(comments[i]));
		memcpy(p + 4, comments[i], strlen(comments[i]));
		p += 4 + strlen(comments[i]);
	}
	oggopus_writer_put(self, tags, tags_len);
	oggopus_writer_flush(self, 0, 0);
	free(tags);
	free(vendor);
	free(c_talker);
	free(c_date);
	return self;
}

void
oggopus_writer_destroy(oggopus_writer_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		free((*self_p)->out);
		free((*self_p)->body);
		free(*self_p);
		*self_p = NULL;
	}
}

int
oggopus_writer_add(
    oggopus_writer_t *self, const uint8_t *packet, size_t len, char **cause)
{
	int samples;

	assert(!self->finished);
	if (len == 0 || len > OPUS_CODEC_PACKET_MAX * 3)
		return fail(cause,
		    "an Opus packet of %zu bytes cannot be "
		    "recorded",
		    len);
	samples = opus_packet_get_nb_samples(packet, (opus_int32)len, 48000);
	if (samples <= 0)
		return fail(cause,
		    "a malformed Opus packet cannot be "
		    "recorded: %s",
		    opus_strerror(samples));
	if (self->nlacing + len / 255 + 1 > OGG_PAGE_SEGMENTS)
		oggopus_writer_flush(self, 0, self->granule);
	oggopus_writer_put(self, packet, len);
	self->granule += samples;
	self->page_samples += samples;
	if (self->page_samples >= OGG_PAGE_SAMPLES48)
		oggopus_writer_flush(self, 0, self->granule);
	return 0;
}

const uint8_t *
oggopus_writer_finish(oggopus_writer_t *self, int64_t samples, size_t *len)
{
	int64_t end = self->granule;

	if (!self->finished) {
		/* End trimming: the last granule says where the signal
		 * ends, if that is within what the packets hold. */
		if (samples >= 0 &&
		    self->preskip + samples * (48000 / self->input_rate) <= end)
			end = self->preskip +
			      samples * (48000 / self->input_rate);
		oggopus_writer_flush(self, OGG_EOS, end);
		self->finished = true;
	}
	*len = self->len;
	return self->out;
}

void
oggopus_file_destroy(oggopus_file_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		oggopus_file_t *self = *self_p;

		free(self->vendor);
		if (self->comments != NULL)
			for (char **c = self->comments; *c != NULL; c++)
				free(*c);
		free(self->comments);
		free(self->packets);
		free(self->data);
		free(self);
		*self_p = NULL;
	}
}

/* Parses OpusTags. Returns 0, or -1 with *cause set. */
static int
oggopus_parse_tags(oggopus_file_t *self, const uint8_t *p, size_t len,
    const char *name, char **cause)
{
	size_t off, n;
	uint32_t count;

	if (len < 16 || memcmp(p, "OpusTags", 8) != 0)
		return fail(
		    cause, "'%s': the second packet is not OpusTags", name);
	n = le32_get(p + 8);
	if (n > len - 16)
		return fail(cause,
		    "'%s': OpusTags: the vendor string "
		    "overruns the packet",
		    name);
	self->vendor = xasprintf("%.*s", (int)n, (const char *)p + 12);
	off = 12 + n;
	count = le32_get(p + off);
	off += 4;
	if (count > (len - off) / 4)
		return fail(cause, "'%s': OpusTags: %u comments cannot fit",
		    name, count);
	self->comments = xcalloc(count + 1, sizeof *self->comments);
	for (uint32_t i = 0; i < count; i++) {
		if (len - off < 4 || (n = le32_get(p + off)) > len - off - 4)
			return fail(cause,
			    "'%s': OpusTags: comment %u "
			    "overruns the packet",
			    name, i + 1);
		self->comments[i] =
		    xasprintf("%.*s", (int)n, (const char *)p + off + 4);
		off += 4 + n;
	}
	return 0;
}

oggopus_file_t *
oggopus_parse(const void *data, size_t len, const char *name, char **cause)
{
	oggopus_file_t *self = xcalloc(1, sizeof *self);
	const uint8_t *p;
	size_t off = 0, npackets = 0, cap = 0, pending_start = 0;
	uint32_t serial = 0, expect_page = 0;
	bool pending = false, eos = false;
	size_t pending_len = 0;

	/* The packets point into a copy, so that the caller's buffer may
	 * go. A packet that spans pages is contiguous once the page
	 * headers are taken out, so packets are gathered in a second
	 * buffer. */
	uint8_t *joined = xcalloc(len + 1, 1);
	size_t joined_len = 0;
	struct {
		size_t start, len;
	} *spans = NULL;

	self->data = joined;
	p = data;
	while (off < len) {
		size_t nseg, body, hdr;
		uint32_t crc;
		int flags;
		uint8_t *copy;

		if (eos) {
			fail(cause, "'%s': data after the last page", name);
			goto bad;
		}
		if (len - off < OGG_HEADER || memcmp(p + off, "OggS", 4) != 0) {
			fail(cause,
			    "'%s': truncated or not Ogg: no page "
			    "header at byte %zu",
			    name, off);
			goto bad;
		}
		if (p[off + 4] != 0) {
			fail(cause, "'%s': Ogg version %u is unknown", name,
			    p[off + 4]);
			goto bad;
		}
		flags = p[off + 5];
		nseg = p[off + 26];
		if (len - off - OGG_HEADER < nseg) {
			fail(cause, "'%s': truncated in a page header", name);
			goto bad;
		}
		hdr = OGG_HEADER + nseg;
		body = 0;
		for (size_t i = 0; i < nseg; i++)
			body += p[off + OGG_HEADER + i];
		if (len - off - hdr < body) {
			fail(cause, "'%s': truncated: page %u lacks %zu bytes",
			    name, expect_page, body - (len - off - hdr));
			goto bad;
		}
		copy = xcalloc(hdr + body, 1);
		memcpy(copy, p + off, hdr + body);
		le32_put(copy + 22, 0);
		crc = oggopus_crc(0, copy, hdr + body);
		free(copy);
		if (crc != le32_get(p + off + 22)) {
			fail(
			    cause, "'%s': page %u: bad CRC", name, expect_page);
			goto bad;
		}
		if (expect_page == 0)
			serial = le32_get(p + off + 14);
		else if (le32_get(p + off + 14) != serial) {
			fail(cause, "'%s': more than one logical stream", name);
			goto bad;
		}
		if (le32_get(p + off + 18) != expect_page) {
			fail(cause, "'%s': page %u is missing", name,
			    expect_page);
			goto bad;
		}
		if (((flags & OGG_BOS) != 0) != (expect_page == 0) ||
		    ((flags & OGG_CONTINUED) != 0) != pending) {
			fail(cause, "'%s': page %u: wrong flags %#x", name,
			    expect_page, flags);
			goto bad;
		}
		eos = (flags & OGG_EOS) != 0;
		self->granule = (int64_t)le64_get(p + off + 6);
		/* Gather the packets: a lacing value under 255 ends one. */
		{
			size_t b = off + hdr;

			for (size_t i = 0; i < nseg; i++) {
				size_t lace = p[off + OGG_HEADER + i];

				if (!pending) {
					pending = true;
					pending_start = joined_len;
					pending_len = 0;
				}
				memcpy(joined + joined_len, p + b, lace);
				joined_len += lace;
				pending_len += lace;
				b += lace;
				if (lace < 255) {
					if (npackets == cap) {
						cap = cap ? cap * 2 : 64;
						spans = realloc(
						    spans, cap * sizeof *spans);
						if (spans == NULL)
							abort();
					}
					spans[npackets].start = pending_start;
					spans[npackets].len = pending_len;
					npackets++;
					pending = false;
				}
			}
		}
		off += hdr + body;
		expect_page++;
	}
	if (!eos || pending) {
		fail(cause,
		    "'%s': truncated: the last page has no "
		    "end-of-stream mark",
		    name);
		goto bad;
	}
	if (npackets < 2) {
		fail(cause, "'%s': no OpusHead and OpusTags", name);
		goto bad;
	}
	{
		const uint8_t *h = joined + spans[0].start;

		if (spans[0].len < 19 || memcmp(h, "OpusHead", 8) != 0) {
			fail(cause, "'%s': the first packet is not OpusHead",
			    name);
			goto bad;
		}
		if ((h[8] & 0xf0) != 0) {
			fail(cause, "'%s': OpusHead version %u is unknown",
			    name, h[8]);
			goto bad;
		}
		self->channels = h[9];
		self->preskip = h[10] | (unsigned)h[11] << 8;
		self->input_rate = le32_get(h + 12);
		if (self->channels < 1 || self->channels > 2 || h[18] != 0) {
			fail(cause,
			    "'%s': OpusHead: %u channels, mapping "
			    "family %u; only mono and stereo of "
			    "family 0 are read",
			    name, self->channels, h[18]);
			goto bad;
		}
	}
	if (oggopus_parse_tags(
	        self, joined + spans[1].start, spans[1].len, name, cause) != 0)
		goto bad;
	self->npackets = npackets - 2;
	self->packets = xcalloc(self->npackets + 1, sizeof *self->packets);
	for (size_t i = 0; i < self->npackets; i++) {
		self->packets[i].data = joined + spans[i + 2].start;
		self->packets[i].len = spans[i + 2].len;
	}
	free(spans);
	return self;
bad:
	free(spans);
	oggopus_file_destroy(&self);
	return NULL;
}

const char *
oggopus_file_comment(const oggopus_file_t *self, const char *key)
{
	size_t n = strlen(key);

	for (char **c = self->comments; c != NULL && *c != NULL; c++)
		if (strncasecmp(*c, key, n) == 0 && (*c)[n] == '=')
			return *c + n + 1;
	return NULL;
}

int64_t
oggopus_file_samples48(const oggopus_file_t *self)
{
	return self->granule - self->preskip;
}

/* The test: a file of 1.03 s of tone made with our encoder; our reader
 * and, when it is installed, opusdec must find its length. */
void
oggopus_test(bool verbose)
{
	unsigned rate = 16000, frame = opus_codec_frame_samples(rate);
	size_t n = 16480, nframes = (n + frame - 1) / frame, len;
	int16_t *pcm = xcalloc(nframes * frame + frame, sizeof *pcm);
	opus_codec_enc_t *enc = opus_codec_enc_new(rate, 0, 10, NULL);
	oggopus_writer_t *w;
	oggopus_file_t *f;
	uint8_t pkt[OPUS_CODEC_PACKET_MAX], *bad;
	const uint8_t *data;
	char dir[] = "/tmp/ioe-oggopus-XXXXXX", *path, *cmd, *cause = NULL;
	char line[64];
	FILE *pipe;
	int plen;

	if (verbose)
		printf(" * oggopus: ");
	/* The check value of this CRC (CRC-32/POSIX without the final
	 * inversion). */
	assert(oggopus_crc(0, (const uint8_t *)"123456789", 9) == 0x89a1897fu);
	for (size_t i = 0; i < n; i++)
		pcm[i] = (int16_t)(8000 * ((i / 20) % 2 ? 1 : -1));

	assert(oggopus_writer_new(44100, 104, "x", 0, &cause) == NULL);
	free(cause);
	cause = NULL;
	w = oggopus_writer_new(rate, opus_codec_enc_lookahead(enc), "ann@alpha",
	    1790000000000000LL, NULL);
	assert(w != NULL);
	assert(oggopus_writer_add(w, pkt, 0, &cause) == -1);
	free(cause);
	cause = NULL;
	/* One frame more than the signal, to flush the look-ahead. */
	for (size_t i = 0; i <= nframes; i++) {
		plen = opus_codec_encode(
		    enc, pcm + i * frame, pkt, sizeof pkt, NULL);
		assert(plen > 0);
		assert(oggopus_writer_add(w, pkt, (size_t)plen, NULL) == 0);
	}
	data = oggopus_writer_finish(w, (int64_t)n, &len);
	assert(data == oggopus_writer_finish(w, (int64_t)n, &len));

	f = oggopus_parse(data, len, "t.opus", &cause);
	if (f == NULL)
		fprintf(stderr, "oggopus: %s\n", cause);
	assert(f != NULL);
	assert(f->channels == 1 && f->input_rate == rate);
	assert(f->preskip == 3 * opus_codec_enc_lookahead(enc));
	assert(f->npackets == nframes + 1);
	assert(oggopus_file_samples48(f) == (int64_t)n * 3);
	assert(strcmp(oggopus_file_comment(f, "talker"), "ann@alpha") == 0);
	assert(strncmp(oggopus_file_comment(f, "DATE"), "2026-", 5) == 0);
	assert(strncmp(f->vendor, "ioe ", 4) == 0);
	oggopus_file_destroy(&f);
	oggopus_file_destroy(&f);

	/* Truncated anywhere or one byte flipped: refused, no crash. */
	for (size_t cut = 0; cut < len; cut += 7) {
		assert(oggopus_parse(data, cut, "t.opus", &cause) == NULL);
		assert(strstr(cause, "'t.opus'") != NULL);
		free(cause);
		cause = NULL;
	}
	bad = xcalloc(len, 1);
	for (size_t at = 0; at < len; at += 13) {
		memcpy(bad, data, len);
		bad[at] ^= 0x10;
		f = oggopus_parse(bad, len, "t.opus", &cause);
		assert(f == NULL);
		free(cause);
		cause = NULL;
	}
	free(bad);

	/* An outside decoder agrees on the length: opusdec writes
	 * 48 kHz; its "--rate 16000" output must hold exactly n samples
	 * (44-byte WAV header). */
	assert(mkdtemp(dir) != NULL);
	path = xasprintf("%s/t.opus", dir);
	assert(write_file_atomic(path, data, len, 0644, NULL) == 0);
	if (access("/usr/bin/opusdec", X_OK) == 0) {
		cmd = xasprintf("opusdec --quiet --rate 16000 '%s' '%s/t.wav' "
		                ">/dev/null 2>&1 && wc -c <'%s/t.wav'",
		    path, dir, dir);
		pipe = popen(cmd, "r");
		assert(pipe != NULL);
		assert(fgets(line, sizeof line, pipe) != NULL);
		assert(pclose(pipe) == 0);
		if (verbose)
			printf(
			    "opusdec: %lld samples; ", (atoll(line) - 44) / 2);
		assert(atoll(line) == 44 + 2 * (long long)n);
		free(cmd);
		cmd = xasprintf("%s/t.wav", dir);
		unlink(cmd);
		free(cmd);
	} else if (verbose)
		printf("(no opusdec: not checked outside) ");
	unlink(path);
	rmdir(dir);
	free(path);
	oggopus_writer_destroy(&w);
	oggopus_writer_destroy(&w);
	opus_codec_enc_destroy(&enc);
	free(pcm);
	if (verbose)
		printf("OK\n");
}
