/* The input line: UTF-8 editing, a kill buffer, history, Tab completion
 * and the horizontal scrolling that keeps the cursor in view. */
#ifndef IOE_TUI_MODEL_INPUT_H
#define IOE_TUI_MODEL_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#define INPUT_MAX_BYTES   16384 /* chat.max_bytes by default */
#define INPUT_HISTORY_MAX 200

typedef struct input {
	char *buf; /* the line, NUL-terminated UTF-8 */
	size_t len, cap;
	size_t cur;     /* cursor, a byte offset at a character */
	size_t hscroll; /* first byte shown */
	char *kill;     /* what Ctrl-K, Ctrl-U, Ctrl-W cut last */
	char **hist;    /* sent lines, oldest first */
	size_t nhist;
	size_t hpos;       /* nhist: the draft; else the line shown */
	char *draft;       /* the line being typed before Up */
	char **cand;       /* completion: the candidates, */
	size_t ncand, ci;  /* how many, which one is shown */
	size_t word_start; /* where the completed word starts */
	bool completing;   /* Tab again cycles */
} input_t;

enum input_result {
	INPUT_IGNORED, /* not an editing key */
	INPUT_CHANGED, /* the line or the cursor moved */
	INPUT_SUBMIT,  /* Enter: take the line with input_take */
};

void input_init(input_t *self);
void input_free(input_t *self);

/* Handles one editing key (tui.h key codes). */
enum input_result input_key(input_t *self, int key);
/* Inserts a code point at the cursor. Returns false if refused (controls,
 * too long). */
bool input_insert(input_t *self, unsigned cp);
/* Replaces the line, cursor at the end. */
void input_set(input_t *self, const char *text);
/* The line, cleared, added to the history if not empty. Caller frees. */
char *input_take(input_t *self);

/* Completion: the word before the cursor, from *start. Caller frees. */
char *input_word(const input_t *self, size_t *start);
/* Starts completing the word before the cursor with these candidates
 * (taken; NULL-free array of ncand strings, each replacing the whole
 * word), or goes to the next (backward: previous) one when already
 * completing. A single candidate is followed by a space. Returns the
 * number of candidates. */
size_t input_complete(input_t *self, char **cand, size_t ncand, bool backward);
/* Ends a completion (any key but Tab does). */
void input_complete_end(input_t *self);

/* What to show in width columns: bytes [*from, *to) of buf, and the
 * cursor's column. */
void input_view(
    input_t *self, int width, size_t *from, size_t *to, int *cursor_col);

void model_input_test(bool verbose);

#endif
