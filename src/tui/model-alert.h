/* Alerts waiting for the acting user: what the banner shows until they
 * are acknowledged. Loaded from the result of the 'alerts' method. */
#ifndef IOE_TUI_MODEL_ALERT_H
#define IOE_TUI_MODEL_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tui.h"

typedef struct alert {
	char *id;    /* entry id (hex) */
	char *room;  /* as received */
	char *level; /* "urgent", "critical" */
	char *from;  /* who raised it */
	char *text;
	char *to; /* role, or NULL */
	int64_t time_us;
	int64_t deadline_s;
	size_t npending; /* addressees who have not acknowledged */
	size_t nacked;
	size_t escalations;
	bool mine; /* the acting user has to acknowledge it */
} alert_t;

typedef struct alerts {
	alert_t *a; /* open alerts, those waiting for me first: critical, then
	               oldest */
	size_t n;
} alerts_t;

void alerts_init(alerts_t *self);
void alerts_free(alerts_t *self);
/* Replaces the alerts with the open ones of an 'alerts' result; me is
 * "user@node" (may be NULL: then none is mine). Returns 0, or -1 with
 * *cause set if the result is not as documented. */
int alerts_load(alerts_t *self, json_t *result, const char *me, char **cause);
/* Drops alert id (after the acting user acknowledged it). */
void alerts_drop(alerts_t *self, const char *id);
/* The alert of the banner (the first mine), or NULL. */
const alert_t *alerts_banner(const alerts_t *self);
size_t alerts_mine(const alerts_t *self);
/* The alert whose id starts with prefix: NULL and *ambiguous if several. */
const alert_t *alerts_find(
    const alerts_t *self, const char *prefix, bool *ambiguous);
/* The banner row, width columns wide, or an empty row without an alert
 * of mine. */
void alerts_banner_row(const alerts_t *self, int width, tui_row_t *row);

void model_alert_test(bool verbose);

#endif
