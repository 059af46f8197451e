/* The console's actions: one list generates the action enum, the default keys and the help screen. */
#ifndef TUI_ACTIONS_H
#define TUI_ACTIONS_H

/* X(name, key, second key, key label for help, help text). Keys: a character,
 * a KEY_* code or CTRL(x); 0 for none. Labels and texts are translated. */
#define CTRL(x) ((x) & 0x1f)
#define ACTION_LIST(X)                                                                   \
	X(HELP, '?', KEY_F(1), "F1 ?", N_("Show this help"))                             \
	X(QUIT, 'q', KEY_F(10), "q F10", N_("Close the screen; quit from the home screen")) \
	X(UP, KEY_UP, 'k', "↑ k", N_("Previous line"))                                   \
	X(DOWN, KEY_DOWN, 'j', "↓ j", N_("Next line"))                                   \
	X(PGUP, KEY_PPAGE, CTRL('b'), "PgUp C-b", N_("Previous page"))                   \
	X(PGDN, KEY_NPAGE, CTRL('f'), "PgDn C-f", N_("Next page"))                       \
	X(FIRST, KEY_HOME, 'g', "Home g", N_("First line"))                              \
	X(LAST, KEY_END, 'G', "End G", N_("Last line"))                                  \
	X(OPEN, '\n', KEY_RIGHT, "Enter →", N_("Open the selected item"))                \
	X(BACK, KEY_LEFT, 27, "← Esc", N_("Back to the previous screen"))                \
	X(SEARCH, '/', KEY_F(3), "/ F3", N_("Search registers by name, reading or 本籍")) \
	X(KOSEKI, '1', 0, "1", N_("Family registers (戸籍) of the municipality"))          \
	X(JOSEKI, '2', 0, "2", N_("Removed registers (除籍) of the municipality"))         \
	X(LEDGER, '3', 0, "3", N_("Reception ledger (受付帳情報) of the municipality"))     \
	X(DOCS, '4', 0, "4", N_("Notification documents (届書等情報) of the municipality")) \
	X(VERSIONS, 'v', 0, "v", N_("Version history of the register"))                  \
	X(SORT, 's', KEY_F(6), "s F6", N_("Sort the list: order of receipt, 本籍, 筆頭者 reading")) \
	X(MARK, ' ', 0, "Space", N_("Mark a version for comparison"))                    \
	X(COMPARE, 'c', 0, "c", N_("Compare the marked version with the selected one"))  \
	X(HISTORY, 'H', 0, "H", N_("Operation history (auditors and administrators)"))   \
	X(FILTER, 'f', 0, "f", N_("Filter the history by operator, action, result or dates"))   \
	X(VERIFY, 'V', 0, "V", N_("Verify the history's seals and chain"))               \
	X(LOCKOUTS, 'L', 0, "L", N_("Locked accounts (supervisors)"))                    \
	X(UNLOCK, 'u', 0, "u", N_("Unlock the selected account, with a reason"))         \
	X(PACKAGES, 'R', 0, "R", N_("Packages received from the municipalities (受信パッケージ)")) \
	X(GRANTS, 'P', 0, "P", N_("File permissions of the bureau's operators (supervisors)")) \
	X(ADD, 'a', 0, "a", N_("Grant a permission"))                                    \
	X(REVOKE, 'r', 0, "r", N_("Revoke the selected grant, with a reason"))           \
	X(EXPIRING, 'e', 0, "e", N_("Only grants ending within 30 days, or all again"))  \
	X(MATRIX, 'm', 0, "m", N_("Effective permissions of the selected operator"))     \
	X(REDRAW, CTRL('l'), 0, "C-l", N_("Redraw the screen"))                          \
	X(PKG_STATE, 't', 0, "t", N_("Packages received: all, applied, staging or refused ones, in turn")) \
	X(PKG_MUNI, 'M', 0, "M", N_("Packages received: one municipality (its code or part of its name); empty: all"))

enum action {
	ACT_NONE = 0,
#define ACTION_ENUM(name, k1, k2, label, help) ACT_##name,
	ACTION_LIST(ACTION_ENUM)
#undef ACTION_ENUM
	ACT_COUNT,
	ACT_RESIZED /* not a key: the terminal changed size, paged views refill their page */
};

struct action_info {
	enum action act;
	int key1, key2;
	const char *label;
	const char *help;
};

extern const struct action_info tui_actions[];

/* The action bound to key, or ACT_NONE. */
enum action tui_action_for_key(int key);

#endif
