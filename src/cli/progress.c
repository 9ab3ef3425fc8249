#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "progress.h"
#include "util.h"

/* A redraw a tenth of a second: smooth to the eye, and a fast transfer
 * does not spend its time writing to the terminal. */
#define PROGRESS_INTERVAL_US 100000

struct progress {
	char *label; /* escaped for the terminal */
	uint64_t total;
	bool show;
	bool drawn;       /* something is on the line */
	int64_t start_us; /* monotonic */
	int64_t last_us;  /* of the last draw */
};

/* The bar on the terminal now: one at a time, as there is one line. */
static progress_t *progress_shown;

progress_t *
progress_new(const char *label, uint64_t total, bool show)
{
	progress_t *self = xcalloc(1, sizeof *self);

	self->label = text_escape(label, strlen(label));
	self->total = total;
	self->show = show && isatty(STDERR_FILENO);
	self->start_us = time_mono_us();
	return self;
}

/* The terminal's width, 80 if it does not say. */
static int
progress_columns(void)
{
	struct winsize ws;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void
progress_draw(progress_t *self, uint64_t done, int64_t now)
{
	char sdone[24], stotal[24], srate[24], sleft[32] = "", right[128];
	char bar[64];
	int64_t elapsed = now - self->start_us;
	int columns = progress_columns(), avail, width, label_width, filled;
	double rate = 0;

	if (done > self->total)
		done = self->total;
	size_format(done, sdone, sizeof sdone);
	size_format(self->total, stotal, sizeof stotal);
	if (elapsed > 0 && done > 0) {
		rate = (double)done * 1e6 / (double)elapsed;
		size_format((uint64_t)rate, srate, sizeof srate);
		strcat(srate, "/s");
		time_format_duration(
		    (int64_t)((double)(self->total - done) / rate + 0.5), sleft,
		    sizeof sleft - 5);
		strcat(sleft, " left");
	} else
		strcpy(srate, "--/s");
	snprintf(right, sizeof right, " %s / %s  %s  %s", sdone, stotal, srate,
	    sleft);

	/* The label gets what the numbers and a bar of 10 to 30 leave; a
	 * line that wraps would not be redrawn in place. */
	avail = columns - 1 - (int)strlen(right);
	label_width = (int)strlen(self->label);
	if (label_width > avail - 13)
		label_width = avail - 13;
	if (label_width < 0)
		label_width = 0;
	/* Never cut a UTF-8 character in two. */
	while (label_width > 0 &&
	    ((unsigned char)self->label[label_width] & 0xc0) == 0x80)
		label_width--;
	width = avail - (label_width > 0 ? label_width + 1 : 0) - 2;
	if (width > 30)
		width = 30;
	if (width < 10)
		width = 0;
	filled = self->total > 0 ?
	    (int)((double)width * (double)done / (double)self->total) : width;
	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(width - filled));
	bar[width] = '\0';

	/* \r back to the start, \033[K clears what a longer line left. */
	fprintf(stderr, "\r%.*s%s%s%s%s%.*s\033[K", label_width, self->label,
	    label_width > 0 ? " " : "", width > 0 ? "[" : "", bar,
	    width > 0 ? "]" : "", columns > 1 ? columns - 1 : 0, right);
	fflush(stderr);
	self->drawn = true;
	self->last_us = now;
	progress_shown = self;
}

void
progress_update(progress_t *self, uint64_t done)
{
	int64_t now;

	if (self == NULL || !self->show)
		return;
	now = time_mono_us();
	if (self->drawn && now - self->last_us < PROGRESS_INTERVAL_US)
		return;
	progress_draw(self, done, now);
}

void
progress_interrupt(void)
{
	progress_t *self = progress_shown;

	if (self != NULL && self->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		self->drawn = false;
	}
}

void
progress_destroy(progress_t **self_p)
{
	assert(self_p);
	if (*self_p) {
		progress_t *self = *self_p;

		if (self == progress_shown) {
			progress_interrupt();
			progress_shown = NULL;
		}
		free(self->label);
		free(self);
		*self_p = NULL;
	}
}
