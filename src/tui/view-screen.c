/* The terminal: curses set-up, size, keys. */
#include "config.h"

#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tui.h"
#include "util.h"
#include "view.h"

#define ESC_DELAY_MS 25 /* Esc alone, or the start of Alt-x */

static bool view_up; /* curses has the terminal */

int
view_init(bool colour, char **cause)
{
	if (initscr() == NULL)
		return fail(cause, "cannot use the terminal (TERM=%s)",
		    getenv("TERM") != NULL ? getenv("TERM") : "");
	view_up = true;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	meta(stdscr, TRUE);
	set_escdelay(ESC_DELAY_MS);
	curs_set(1);
	view_styles_init(colour && has_colors());
	return 0;
}

void
view_end(void)
{
	if (view_up && !isendwin())
		endwin();
	view_up = false;
}

void
view_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 &&
	    ws.ws_row > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

void
view_size(int *cols, int *rows)
{
	*cols = COLS;
	*rows = LINES;
}

/* A function key in tui.h terms, or 0. */
static int
view_key_code(int code)
{
	const char *name;

	switch (code) {
	case KEY_UP:
		return TK_UP;
	case KEY_DOWN:
		return TK_DOWN;
	case KEY_LEFT:
		return TK_LEFT;
	case KEY_RIGHT:
		return TK_RIGHT;
	case KEY_HOME:
		return TK_HOME;
	case KEY_END:
		return TK_END;
	case KEY_PPAGE:
		return TK_PGUP;
	case KEY_NPAGE:
		return TK_PGDN;
	case KEY_BACKSPACE:
		return TK_BACKSPACE;
	case KEY_DC:
		return TK_DELETE;
	case KEY_ENTER:
		return TK_ENTER;
	case KEY_BTAB:
		return TK_BTAB;
	case KEY_RESIZE:
		return TK_RESIZE;
	case KEY_F(1):
		return TK_F1;
	case KEY_F(2):
		return TK_F2;
	case KEY_F(3):
		return TK_F3;
	case KEY_F(4):
		return TK_F4;
	case KEY_F(5):
		return TK_F5;
	case KEY_F(6):
		return TK_F6;
	case KEY_F(7):
		return TK_F7;
	case KEY_F(8):
		return TK_F8;
	}
	/* Keys with modifiers have names, not constants. */
	if ((name = keyname(code)) == NULL)
		return 0;
	if (strcmp(name, "kLFT5") == 0)
		return TK_CTRL_LEFT;
	if (strcmp(name, "kRIT5") == 0)
		return TK_CTRL_RIGHT;
	if (strcmp(name, "kLFT3") == 0)
		return TK_ALT | TK_LEFT;
	if (strcmp(name, "kRIT3") == 0)
		return TK_ALT | TK_RIGHT;
	return 0;
}

/* A character in tui.h terms. */
static int
view_char(wint_t c)
{
	switch (c) {
	case '\r':
	case '\n':
		return TK_ENTER;
	case '\t':
		return TK_TAB;
	case 8:
	case 127:
		return TK_BACKSPACE;
	}
	return (int)c;
}

int
view_read_keys(app_t *app)
{
	int n = 0, r, key;
	wint_t c;

	while ((r = wget_wch(stdscr, &c)) != ERR && n < 4096) {
		if (r == KEY_CODE_YES)
			key = view_key_code((int)c);
		else if (c == 27) {
			/* Esc, or Alt with the key that follows. */
			wint_t c2;
			int r2 = wget_wch(stdscr, &c2);

			if (r2 == ERR)
				key = TK_ESC;
			else if (r2 == KEY_CODE_YES)
				key = view_key_code((int)c2) != 0
				          ? TK_ALT | view_key_code((int)c2)
				          : 0;
			else if (c2 >= 'A' && c2 <= 'Z')
				key = TK_ALT | (int)(c2 - 'A' + 'a');
			else if (c2 == 27)
				key = TK_ESC;
			else
				key = TK_ALT | view_char(c2);
		} else
			key = view_char(c);
		n++;
		if (key != 0)
			app_key(app, key);
		if (app->quit)
			break;
	}
	return n;
}
