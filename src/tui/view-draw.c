/* Drawing: the model's rows to the terminal, styles to colours. */
#include "config.h"

#include <curses.h>

#include "tui.h"
#include "view.h"

static attr_t view_attr[TS_COUNT];

/* One style: colour pair (fg, bg; -1 the terminal's own) and attributes
 * with colour, and attributes alone without (-C, NO_COLOR). */
static const struct {
	short fg, bg;
	attr_t colour_attr;
	attr_t mono_attr;
} view_style[TS_COUNT] = {
    [TS_NORMAL] = {-1, -1, A_NORMAL, A_NORMAL},
    [TS_TIME] = {-1, -1, A_DIM, A_NORMAL},
    [TS_AUTHOR0] = {COLOR_CYAN, -1, A_NORMAL, A_BOLD},
    [TS_AUTHOR1] = {COLOR_GREEN, -1, A_NORMAL, A_BOLD},
    [TS_AUTHOR2] = {COLOR_MAGENTA, -1, A_NORMAL, A_BOLD},
    [TS_AUTHOR3] = {COLOR_BLUE, -1, A_BOLD, A_BOLD},
    [TS_AUTHOR4] = {COLOR_YELLOW, -1, A_NORMAL, A_BOLD},
    [TS_AUTHOR5] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [TS_SELF] = {-1, -1, A_BOLD, A_BOLD},
    [TS_MENTION] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [TS_SYSTEM] = {-1, -1, A_DIM, A_NORMAL},
    [TS_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [TS_ALERT_URGENT] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE},
    [TS_ALERT_CRITICAL] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
    [TS_BAR] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_REVERSE},
    [TS_BAR_HI] = {COLOR_YELLOW, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
    [TS_SIDEBAR_CUR] = {-1, -1, A_REVERSE, A_REVERSE},
    [TS_UNREAD] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [TS_MENTIONS] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [TS_LINK_GOOD] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
    [TS_LINK_FAIR] = {COLOR_YELLOW, -1, A_NORMAL, A_NORMAL},
    [TS_LINK_BAD] = {COLOR_RED, -1, A_BOLD, A_BOLD},
    [TS_NODE] = {-1, -1, A_BOLD, A_BOLD},
    [TS_NODE_SELF] = {-1, -1, A_BOLD | A_REVERSE, A_BOLD | A_REVERSE},
    [TS_NODE_AWAY] = {-1, -1, A_DIM, A_NORMAL},
    [TS_HEADING] = {-1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE},
    [TS_PROMPT] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [TS_DIM] = {-1, -1, A_DIM, A_NORMAL},
};

void
view_styles_init(bool colour)
{
	if (colour) {
		start_color();
		use_default_colors();
	}
	for (int s = 0; s < TS_COUNT; s++) {
		if (!colour) {
			view_attr[s] = view_style[s].mono_attr;
			continue;
		}
		view_attr[s] = view_style[s].colour_attr;
		if (view_style[s].fg != -1 || view_style[s].bg != -1) {
			init_pair(
			    (short)(s + 1), view_style[s].fg, view_style[s].bg);
			view_attr[s] |= COLOR_PAIR(s + 1);
		}
	}
}

void
view_draw(app_t *app)
{
	tui_rows_t rows;
	int cy, cx;

	tui_rows_init(&rows);
	app_screen(app, &rows, &cy, &cx);
	if (app->redraw_all) {
		clearok(curscr, TRUE);
		app->redraw_all = false;
	}
	for (int y = 0; y < rows.n && y < LINES; y++) {
		const tui_row_t *row = &rows.row[y];

		move(y, 0);
		for (int i = 0; i < row->nseg; i++) {
			attrset(view_attr[row->seg[i].style]);
			/* The text is display-safe: the model made it so. */
			addnstr(
			    row->text + row->seg[i].off, (int)row->seg[i].len);
		}
		attrset(A_NORMAL);
		if (row->width < COLS)
			clrtoeol();
	}
	move(cy, cx);
	wnoutrefresh(stdscr);
	doupdate();
	tui_rows_free(&rows);
}
