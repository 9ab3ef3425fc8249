/* The whole client without a terminal: the acting user, the rooms, the
 * input line, the alerts, the map, status and files views, a transfer, what
 * each key and each event does, and the screen as rows of styled text. It talks
 * to the daemon through a call function, so that the self-test can drive it
 * against a fake daemon, headless (WeeChat's habit). */
#ifndef IOE_TUI_MODEL_APP_H
#define IOE_TUI_MODEL_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "model-alert.h"
#include "model-call.h"
#include "model-files.h"
#include "model-input.h"
#include "model-map.h"
#include "model-room.h"
#include "model-voice.h"
#include "model-xfer.h"
#include "tui.h"

enum app_view { VIEW_CHAT, VIEW_MAP, VIEW_STATUS, VIEW_HELP, VIEW_FILES };

/* What the input line asks for instead of a message. */
enum app_ask {
	ASK_NONE,
	ASK_SAVE_AS,     /* the local file a download goes to */
	ASK_UPLOAD_FROM, /* the local file to upload */
	ASK_UPLOAD_TO,   /* the mesh path it goes to */
};

struct app_options {
	const char *dir;  /* the data directory, for messages */
	const char *user; /* -u or $IOE_USER, or NULL */
};

#define APP_TIMEOUT_MS    5000 /* what the user asked for */
#define APP_BG_TIMEOUT_MS 2000 /* refreshes */
#define APP_HISTORY_PAGE  200
#define APP_POLL_MS       250 /* the longest the main loop sleeps */
#define APP_VOICE_POLL_MS 100 /* while voice is on: the level meter */

typedef struct app {
	app_call_fn call;
	void *call_arg;
	char *dir;
	char *user_flag;
	char *node;       /* this node's name */
	char *user;       /* the acting user's name, once known */
	char *me;         /* "user@node" */
	bool chat;        /* the daemon has the chat methods */
	bool connected;   /* the daemon answered last time */
	bool asking_user; /* the input line asks for a user name */
	bool quit;
	bool started;    /* app_start ran */
	bool redraw_all; /* Ctrl-L: the view repaints everything */
	bool dirty;      /* something to draw */
	enum app_view view;
	int cols, rows;
	rooms_t rooms;
	input_t input;
	alerts_t alerts;
	map_t map;
	json_t *status;     /* last 'status' result */
	json_t *peers;      /* last 'peers' result */
	char *status_error; /* why the last 'status' failed */
	char **users;       /* "name@node" of every user of the mesh */
	size_t nusers;
	char **all_rooms; /* every room of the mesh */
	size_t nall_rooms;
	char *msg; /* the status line's message */
	int msg_style;
	int64_t msg_until_us; /* shown until then (monotonic) */
	int page_top;         /* scroll of the help and status views */
	char *help_topic;
	int64_t now_us; /* monotonic time of the last tick */
	int64_t next_status_us, next_map_us, next_peers_us, next_read_us;
	int64_t next_retry_us;
	long minute; /* for the clock */
	bool want_alerts, want_rooms, want_users, want_read;
	files_t files;         /* the files view */
	bool want_files;       /* a file.* entry came: list again */
	int64_t next_files_us; /* not before then */
	xfer_t *xfer;          /* the transfer, or NULL */
	enum app_ask ask;      /* what the input line asks for */
	char *ask_arg;         /* the mesh path or local file it is for */
	tvoice_t voice;        /* voice in a room (F5..F8) */
	int64_t next_voice_us; /* voice.status, for the listeners */
	tui_rows_t scratch;    /* rows reused by app_screen */
	tui_rows_t scratch2;
} app_t;

/* Caller owns return value. */
app_t *app_new(const struct app_options *opts, app_call_fn call, void *arg);
void app_destroy(app_t **self_p);

/* Asks the daemon who we are, picks or asks for the acting user, loads
 * the rooms and the alerts. */
void app_start(app_t *self);
/* One key (tui.h codes). */
void app_key(app_t *self, int key);
/* One event from the event socket: topic and JSON object. */
void app_event(app_t *self, const char *topic, const char *data, size_t len);
/* Periodic work at monotonic time now_us: refreshes, batched requests,
 * the clock. Call often (every few hundred ms). */
void app_tick(app_t *self, int64_t now_us);
void app_resize(app_t *self, int cols, int rows);
/* How long the main loop may wait for the terminal or an event before
 * calling app_tick again: 0 while a transfer has work. */
int app_poll_ms(app_t *self, int64_t now_us);

/* The screen: exactly rows rows of at most cols columns, and where the
 * cursor goes. */
void app_screen(app_t *self, tui_rows_t *out, int *cursor_y, int *cursor_x);

void model_app_test(bool verbose);

#endif
