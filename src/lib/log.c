#include "config.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static FILE *log_file;
static enum log_level log_level = LOG_LEVEL_WARNING;

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARNING] = "warning",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

void
log_set_file(FILE *fp)
{
	log_file = fp;
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return log_level;
}

int
log_level_parse(const char *name, enum log_level *level)
{
	for (size_t i = 0; i < sizeof log_level_names / sizeof *log_level_names;
	     i++) {
		if (strcmp(name, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return log_level_names[level];
}

void
log_emit(enum log_level level, const char *func, const char *fmt, ...)
{
	FILE *fp = log_file != NULL ? log_file : stderr;
	struct timeval tv;
	struct tm tm;
	char stamp[32];
	va_list ap;

	if (level > log_level)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(fp, "%s.%03ldZ ioed[%ld]: %s: %s: ", stamp,
	    (long)tv.tv_usec / 1000, (long)getpid(), log_level_names[level],
	    func);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fputc('\n', fp);
	fflush(fp);
}
