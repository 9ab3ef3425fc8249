/* The curses side of ioe-tui: the only code that calls curses. It turns
 * keys into tui.h key codes for the model, and copies the model's rows
 * of styled text to the terminal. */
#ifndef IOE_TUI_VIEW_H
#define IOE_TUI_VIEW_H

#include <stdbool.h>

#include "model-app.h"

/* Takes the terminal (colour unless colour is false or the terminal has
 * none). Returns 0, or -1 with *cause set. */
int view_init(bool colour, char **cause);
/* Gives the terminal back as it was. */
void view_end(void);
/* After SIGWINCH: asks the terminal its size and resizes curses. */
void view_resize(void);
void view_size(int *cols, int *rows);
/* Hands every key waiting on the terminal to the app. Returns how many. */
int view_read_keys(app_t *app);
/* Draws the app's screen (view-draw.c). */
void view_draw(app_t *app);
/* Sets up the colours and attributes of the styles (view-draw.c). */
void view_styles_init(bool colour);

#endif
