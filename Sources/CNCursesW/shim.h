#ifndef ZONETOP_CNCURSESW_SHIM_H
#define ZONETOP_CNCURSESW_SHIM_H
// Wide-character ncurses, with small functions for what Swift cannot import:
// function-like macros and mutable globals.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline WINDOW *zt_stdscr(void) { return stdscr; }
static inline int zt_lines(void) { return LINES; }
static inline int zt_cols(void) { return COLS; }
static inline int zt_colors(void) { return COLORS; }
static inline int zt_key_resize(void) { return KEY_RESIZE; }
static inline int zt_key_mouse(void) { return KEY_MOUSE; }
static inline int zt_key_up(void) { return KEY_UP; }
static inline int zt_key_down(void) { return KEY_DOWN; }
static inline int zt_key_left(void) { return KEY_LEFT; }
static inline int zt_key_right(void) { return KEY_RIGHT; }
static inline int zt_key_enter(void) { return KEY_ENTER; }
static inline int zt_key_backspace(void) { return KEY_BACKSPACE; }
static inline int zt_key_btab(void) { return KEY_BTAB; }
static inline int zt_key_npage(void) { return KEY_NPAGE; }
static inline int zt_key_ppage(void) { return KEY_PPAGE; }
static inline int zt_key_home(void) { return KEY_HOME; }
static inline int zt_key_end(void) { return KEY_END; }
static inline int zt_key_code_yes(void) { return KEY_CODE_YES; }
static inline attr_t zt_a_bold(void) { return A_BOLD; }
static inline attr_t zt_a_dim(void) { return A_DIM; }
static inline attr_t zt_a_reverse(void) { return A_REVERSE; }
static inline attr_t zt_a_underline(void) { return A_UNDERLINE; }
static inline attr_t zt_a_normal(void) { return A_NORMAL; }
static inline mmask_t zt_button1_clicked(void) { return BUTTON1_CLICKED | BUTTON1_PRESSED; }
static inline mmask_t zt_all_mouse_events(void) { return ALL_MOUSE_EVENTS; }

/// Writes one wide character with attributes and a colour pair at (y, x).
static inline int zt_put_cell(WINDOW *w, int y, int x, wchar_t ch, attr_t attrs, short pair) {
  cchar_t cc;
  wchar_t wch[2] = { ch, L'\0' };
  setcchar(&cc, wch, attrs, pair, NULL);
  return mvwadd_wch(w, y, x, &cc);
}
#endif
