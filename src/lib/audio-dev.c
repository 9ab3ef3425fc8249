#include "config.h"

#include <assert.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <alsa/asoundlib.h>
#include <portaudio.h>

#include "audio-dev.h"
#include "util.h"

struct audio_dev {
	PaStream *stream;
	audio_dev_dir_t dir;
	unsigned channels;
	unsigned xruns;
	char *name;
};

static const char *
audio_dev_what(audio_dev_dir_t dir)
{
	return dir == AUDIO_DEV_CAPTURE ? "capture" : "playback";
}

static void
audio_dev_alsa_quiet(const char *file, int line, const char *function, int err,
    const char *fmt, ...)
{
	(void)file;
	(void)line;
	(void)function;
	(void)err;
	(void)fmt;
}

/* Pa_Initialize, with the back ends' chatter on stderr silenced (ALSA
 * through its error handler, JACK's client library, which has no such
 * hook here, by pointing fd 2 at /dev/null meanwhile). Returns 0, or -1
 * with *cause set. */
static int
audio_dev_init(char **cause)
{
	bool quiet = getenv("IOE_AUDIO_DEBUG") == NULL;
	int saved = -1, null;
	PaError err;

	if (quiet) {
		snd_lib_error_set_handler(audio_dev_alsa_quiet);
		fflush(stderr);
		if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) != -1) {
			saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
			dup2(null, STDERR_FILENO);
			close(null);
		}
		/* Never start a JACK server just to look for devices. */
		setenv("JACK_NO_START_SERVER", "1", 0);
	}
	err = Pa_Initialize();
	if (saved != -1) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (err != paNoError)
		return fail(
		    cause, "cannot start PortAudio: %s", Pa_GetErrorText(err));
	return 0;
}

static bool
audio_dev_can(const PaDeviceInfo *info, audio_dev_dir_t dir, unsigned channels)
{
	int have = dir == AUDIO_DEV_CAPTURE ? info->maxInputChannels
	                                    : info->maxOutputChannels;

	return have >= (int)channels;
}

char *
audio_dev_list(audio_dev_dir_t dir, char **cause)
{
	char *out = xstrdup(""), *tmp;
	int n;

	if (audio_dev_init(cause) != 0) {
		free(out);
		return NULL;
	}
	n = Pa_GetDeviceCount();
	for (int i = 0; i < n; i++) {
		const PaDeviceInfo *info = Pa_GetDeviceInfo(i);

		if (info == NULL || !audio_dev_can(info, dir, 1))
			continue;
		tmp = xasprintf("%s%s\n", out, info->name);
		free(out);
		out = tmp;
	}
	Pa_Terminate();
	return out;
}

/* The device to open. Returns its index, or paNoDevice with *cause set. */
static PaDeviceIndex
audio_dev_find(
    audio_dev_dir_t dir, const char *device, unsigned channels, char **cause)
{
	const char *what = audio_dev_what(dir);
	int n = Pa_GetDeviceCount();
	PaDeviceIndex idx = paNoDevice;
	const PaDeviceInfo *info;

	if (n < 0) {
		fail(
		    cause, "cannot list audio devices: %s", Pa_GetErrorText(n));
		return paNoDevice;
	}
	if (n == 0) {
		fail(cause, "no audio device: PortAudio found none (no sound "
		            "card, or ALSA is not configured)");
		return paNoDevice;
	}
	if (device == NULL) {
		idx = dir == AUDIO_DEV_CAPTURE ? Pa_GetDefaultInputDevice()
		                               : Pa_GetDefaultOutputDevice();
		if (idx == paNoDevice) {
			fail(cause,
			    "no default audio %s device (%d devices "
			    "found, none for %s)",
			    what, n, what);
			return paNoDevice;
		}
	} else {
		for (int i = 0; i < n && idx == paNoDevice; i++)
			if ((info = Pa_GetDeviceInfo(i)) != NULL &&
			    strcmp(info->name, device) == 0)
				idx = i;
		if (idx == paNoDevice) {
			fail(cause, "no audio device named '%s'", device);
			return paNoDevice;
		}
	}
	info = Pa_GetDeviceInfo(idx);
	if (!audio_dev_can(info, dir, channels)) {
		fail(cause, "audio device '%s' cannot %s %u channel%s",
		    info->name, dir == AUDIO_DEV_CAPTURE ? "capture" : "play",
		    channels, channels == 1 ? "" : "s");
		return paNoDevice;
	}
	return idx;
}

audio_dev_t *
audio_dev_open(audio_dev_dir_t dir, const char *device, unsigned rate,
    unsigned channels, unsigned frame, char **cause)
{
	PaStreamParameters params;
	const PaDeviceInfo *info;
	audio_dev_t *self;
	PaDeviceIndex idx;
	PaError err;

	if (channels != 1 && channels != 2) {
		fail(cause, "audio %s of %u channels: only mono and stereo",
		    audio_dev_what(dir), channels);
		return NULL;
	}
	if (rate < 8000 || rate > 192000 || frame == 0 || frame > rate) {
		fail(cause,
		    "audio %s at %u Hz in frames of %u samples: out "
		    "of range",
		    audio_dev_what(dir), rate, frame);
		return NULL;
	}
	if (audio_dev_init(cause) != 0)
		return NULL;
	if ((idx = audio_dev_find(dir, device, channels, cause)) ==
	    paNoDevice) {
		Pa_Terminate();
		return NULL;
	}
	info = Pa_GetDeviceInfo(idx);
	memset(&params, 0, sizeof params);
	params.device = idx;
	params.channelCount = (int)channels;
	params.sampleFormat = paInt16;
	params.suggestedLatency = dir == AUDIO_DEV_CAPTURE
	                              ? info->defaultLowInputLatency
	                              : info->defaultLowOutputLatency;
	self = xcalloc(1, sizeof *self);
	self->dir = dir;
	self->channels = channels;
	self->name = xstrdup(info->name);
	err = Pa_OpenStream(&self->stream,
	    dir == AUDIO_DEV_CAPTURE ? &params : NULL,
	    dir == AUDIO_DEV_PLAYBACK ? &params : NULL, rate, frame, paClipOff,
	    NULL, NULL);
	if (err == paDeviceUnavailable)
		fail(cause, "audio device '%s' is busy or unavailable for %s",
		    self->name, audio_dev_what(dir));
	else if (err == paInvalidSampleRate)
		fail(cause, "audio device '%s' cannot %s at %u Hz", self->name,
		    dir == AUDIO_DEV_CAPTURE ? "capture" : "play", rate);
	else if (err != paNoError)
		fail(cause, "cannot open audio device '%s' for %s: %s",
		    self->name, audio_dev_what(dir), Pa_GetErrorText(err));
	else if ((err = Pa_StartStream(self->stream)) != paNoError)
		fail(cause, "cannot start %s on audio device '%s': %s",
		    audio_dev_what(dir), self->name, Pa_GetErrorText(err));
	if (err != paNoError) {
		if (self->stream != NULL)
			Pa_CloseStream(self->stream);
		free(self->name);
		free(self);
		Pa_Terminate();
		return NULL;
	}
	return self;
}

void
audio_dev_destroy(audio_dev_t **self_p)
{
	assert(self_p);
	if (*self_p != NULL) {
		audio_dev_t *self = *self_p;

		Pa_StopStream(self->stream);
		Pa_CloseStream(self->stream);
		Pa_Terminate();
		free(self->name);
		free(self);
		*self_p = NULL;
	}
}

int
audio_dev_read(audio_dev_t *self, int16_t *pcm, size_t frames, char **cause)
{
	PaError err;

	assert(self->dir == AUDIO_DEV_CAPTURE);
	err = Pa_ReadStream(self->stream, pcm, (unsigned long)frames);
	if (err == paInputOverflowed)
		self->xruns++;
	else if (err != paNoError)
		return fail(cause, "cannot capture from audio device '%s': %s",
		    self->name, Pa_GetErrorText(err));
	return 0;
}

int
audio_dev_write(
    audio_dev_t *self, const int16_t *pcm, size_t frames, char **cause)
{
	PaError err;

	assert(self->dir == AUDIO_DEV_PLAYBACK);
	err = Pa_WriteStream(self->stream, pcm, (unsigned long)frames);
	if (err == paOutputUnderflowed)
		self->xruns++;
	else if (err != paNoError)
		return fail(cause, "cannot play on audio device '%s': %s",
		    self->name, Pa_GetErrorText(err));
	return 0;
}

unsigned
audio_dev_xruns(const audio_dev_t *self)
{
	return self->xruns;
}

const char *
audio_dev_name(const audio_dev_t *self)
{
	return self->name;
}

/* The test works with or without a sound card: what must hold is that
 * every failure is a clear error. With a device (the ALSA file devices
 * of t/t8000-audio-dev.sh, or a real card), one frame goes each way. */
void
audio_dev_test(bool verbose)
{
	char *cause = NULL, *list;
	audio_dev_t *dev;
	int16_t pcm[320] = {0};

	if (verbose)
		printf(" * audio-dev: ");
	assert(audio_dev_open(AUDIO_DEV_CAPTURE, NULL, 16000, 3, 320, &cause) ==
	       NULL);
	assert(strstr(cause, "3 channels") != NULL);
	free(cause);
	cause = NULL;
	assert(audio_dev_open(AUDIO_DEV_PLAYBACK, NULL, 0, 1, 320, &cause) ==
	       NULL);
	assert(strstr(cause, "0 Hz") != NULL);
	free(cause);
	cause = NULL;

	assert(audio_dev_open(AUDIO_DEV_CAPTURE, "no such device", 16000, 1,
	           320, &cause) == NULL);
	assert(strstr(cause, "no audio device") != NULL);
	free(cause);
	cause = NULL;

	list = audio_dev_list(AUDIO_DEV_CAPTURE, NULL);
	assert(list != NULL);
	for (int d = 0; d < 2; d++) {
		audio_dev_dir_t dir =
		    d ? AUDIO_DEV_PLAYBACK : AUDIO_DEV_CAPTURE;

		dev = audio_dev_open(dir, NULL, 16000, 1, 320, &cause);
		if (dev == NULL) {
			/* No device here: a cause naming the problem. */
			assert(cause != NULL && strstr(cause, "audio") != NULL);
			if (verbose)
				printf("%s: %s; ", audio_dev_what(dir), cause);
			free(cause);
			cause = NULL;
			continue;
		}
		if (verbose)
			printf("%s on '%s'; ", audio_dev_what(dir),
			    audio_dev_name(dev));
		if (dir == AUDIO_DEV_CAPTURE)
			assert(audio_dev_read(dev, pcm, 320, NULL) == 0);
		else
			assert(audio_dev_write(dev, pcm, 320, NULL) == 0);
		audio_dev_destroy(&dev);
	}
	audio_dev_destroy(&dev);
	free(list);
	if (verbose)
		printf("OK\n");
}
