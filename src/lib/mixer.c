#include "config.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mixer.h"
#include "util.h"

#define MIXER_RELEASE_MS 50

struct mixer {
	double gain;    /* applied to the sum */
	double release; /* per-sample recovery factor towards 1 */
};

mixer_t *
mixer_new(unsigned rate)
{
	mixer_t *self = xcalloc(1, sizeof *self);

	self->gain = 1;
	/* The distance to a gain of 1 shrinks by e in RELEASE_MS. */
	self->release = exp(-1000.0 / (MIXER_RELEASE_MS * (double)rate));
	return self;
}

void
mixer_destroy(mixer_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		free(*self_p);
		*self_p = NULL;
	}
}

double
mixer_gain(const mixer_t *self)
{
	return self->gain;
}

void
mixer_mix(mixer_t *self, const int16_t *const *in, size_t n, size_t samples,
    int16_t *out)
{
	for (size_t i = 0; i < samples; i++) {
		double sum = 0, mag, y;

		for (size_t k = 0; k < n; k++)
			if (in[k] != NULL)
				sum += in[k][i];
		mag = fabs(sum);
		self->gain = 1 - (1 - self->gain) * self->release;
		if (mag * self->gain > MIXER_CEILING)
			self->gain = MIXER_CEILING / mag;
		y = sum * self->gain;
		out[i] = (int16_t)lrint(y);
	}
}

void
mixer_test(bool verbose)
{
	enum { N = 16000 };
	int16_t *a = xcalloc(N, sizeof *a), *b = xcalloc(N, sizeof *b);
	int16_t *c = xcalloc(N, sizeof *c), *out = xcalloc(N, sizeof *out);
	const int16_t *in[4];
	mixer_t *m = mixer_new(16000);
	int maxabs = 0;

	if (verbose)
		printf(" * mixer: ");
	for (int i = 0; i < N; i++) {
		a[i] = (int16_t)(20000 * sin(2 * M_PI * 300 * i / 16000.0));
		b[i] = (int16_t)(20000 * sin(2 * M_PI * 300 * i / 16000.0));
		c[i] = (int16_t)(32767 * sin(2 * M_PI * 440 * i / 16000.0));
	}
	/* Nothing: silence. One quiet talker: passes untouched. */
	in[0] = NULL;
	mixer_mix(m, in, 1, N, out);
	for (int i = 0; i < N; i++)
		assert(out[i] == 0);
	in[0] = a;
	mixer_mix(m, in, 1, N, out);
	assert(memcmp(out, a, N * sizeof *a) == 0);

	/* Three loud talkers, whose sum is near three times full scale:
	 * never past the ceiling, never of the wrong sign (a wrap), and
	 * the shape of the sum kept (high correlation). */
	in[0] = a;
	in[1] = b;
	in[2] = c;
	mixer_mix(m, in, 3, N, out);
	{
		double xy = 0, xx = 0, yy = 0;

		for (int i = 0; i < N; i++) {
			double s = (double)a[i] + b[i] + c[i];

			if (abs(out[i]) > maxabs)
				maxabs = abs(out[i]);
			assert(abs(out[i]) <= MIXER_CEILING);
			assert(s * out[i] >= 0);
			xy += s * out[i];
			xx += s * s;
			yy += (double)out[i] * out[i];
		}
		if (verbose)
			printf("peak %d, correlation with the sum %.3f, gain "
			       "%.2f; ",
			    maxabs, xy / sqrt(xx * yy), mixer_gain(m));
		assert(maxabs > MIXER_CEILING - 100);
		assert(xy / sqrt(xx * yy) > 0.95);
		assert(mixer_gain(m) < 0.5);
	}
	/* The gain comes back once the loud part is over. */
	in[0] = a;
	mixer_mix(m, in, 1, N, out);
	assert(mixer_gain(m) > 0.99);
	assert(abs(out[N - 1] - a[N - 1]) <= 200);

	/* Out may be an input. */
	memcpy(out, a, N * sizeof *a);
	in[0] = out;
	in[1] = b;
	mixer_mix(m, in, 2, N, out);
	for (int i = 0; i < N; i++)
		assert(abs(out[i]) <= MIXER_CEILING);
	mixer_destroy(&m);
	mixer_destroy(&m);
	free(a);
	free(b);
	free(c);
	free(out);
	if (verbose)
		printf("OK\n");
}
