/* Levelled logging for the daemon; -v raises the level. */
#ifndef IOE_LOG_H
#define IOE_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARNING,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

/* Sends log lines to `fp` (NULL: stderr) from now on. The log does not own it. */
void log_set_file(FILE *fp);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Parses "error", "warning", "info", "debug". Returns 0, or -1 if unknown. */
int log_level_parse(const char *name, enum log_level *level);
const char *log_level_name(enum log_level level);

void log_emit(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...)	 log_emit(LOG_LEVEL_ERROR, __func__, __VA_ARGS__)
#define log_warning(...) log_emit(LOG_LEVEL_WARNING, __func__, __VA_ARGS__)
#define log_info(...)	 log_emit(LOG_LEVEL_INFO, __func__, __VA_ARGS__)
#define log_debug(...)	 log_emit(LOG_LEVEL_DEBUG, __func__, __VA_ARGS__)

#endif
