/* The console's actions: one list generates the action enum, the default keys and the help screen. */
#ifndef TUI_ACTIONS_H
#define TUI_ACTIONS_H

/* X(name, key, second key, key label for help, key bar: key, name, priority, help text).
 * Keys: a character, a KEY_* code or CTRL(x); 0 for none. Labels, bar names and texts are
 * translated. The key bar shows an action when its bar name is not "" and drops the highest
 * priority numbers first when the terminal is narrow (htop's F-key bar). */
#define CTRL(x) ((x) & 0x1f)
#define ACTION_LIST(X)                                                                             \
	X(HELP, '?', KEY_F(1), "F1 ?", "?", N_("Help"), 1, N_("Show the keys of this screen"))        \
	X(QUIT, 'q', KEY_F(10), "q F10", "q", N_("Close"), 2,                                          \
	  N_("Close the screen; on the home screen, sign out (asks first)"))                           \
	X(UP, KEY_UP, 'k', "↑ k", "", "", 9, N_("Previous line"))                                      \
	X(DOWN, KEY_DOWN, 'j', "↓ j", "", "", 9, N_("Next line"))                                      \
	X(PGUP, KEY_PPAGE, CTRL('b'), "PgUp C-b", "", "", 9, N_("Previous page"))                      \
	X(PGDN, KEY_NPAGE, CTRL('f'), "PgDn C-f", "", "", 9, N_("Next page"))                          \
	X(FIRST, KEY_HOME, 'g', "Home g", "", "", 9, N_("First line"))                                 \
	X(LAST, KEY_END, 'G', "End G", "", "", 9, N_("Last line"))                                     \
	X(OPEN, '\n', KEY_RIGHT, "Enter →", "Enter", N_("Open"), 3, N_("Open the selected item"))     \
	X(BACK, KEY_LEFT, 27, "← Esc", "", "", 9, N_("Back to the previous screen"))                   \
	X(SEARCH, '/', KEY_F(3), "/ F3", "/", N_("Search"), 4,                                         \
	  N_("Search registers by name, reading or 本籍"))                                             \
	X(KOSEKI, '1', 0, "1", "1", N_("戸籍"), 6, N_("Family registers (戸籍) of the municipality"))  \
	X(JOSEKI, '2', 0, "2", "2", N_("除籍"), 6, N_("Removed registers (除籍) of the municipality")) \
	X(LEDGER, '3', 0, "3", "3", N_("Ledger"), 6,                                                   \
	  N_("Reception ledger (受付帳情報) of the municipality"))                                      \
	X(DOCS, '4', 0, "4", "4", N_("Documents"), 6,                                                  \
	  N_("Notification documents (届書等情報) of the municipality"))                               \
	X(VERSIONS, 'v', 0, "v", "v", N_("Versions"), 5, N_("Version history of the register"))       \
	X(SORT, 's', KEY_F(6), "s F6", "s", N_("Sort"), 5,                                            \
	  N_("Sort the list: order of receipt, 本籍, 筆頭者 reading"))                                   \
	X(MARK, ' ', 0, "Space", "Space", N_("Mark"), 5, N_("Mark a version for comparison; on a form, tick the item"))         \
	X(COMPARE, 'c', 0, "c", "c", N_("Compare"), 5,                                                 \
	  N_("Compare the marked version with the selected one"))                                      \
	X(HISTORY, 'H', 0, "H", "H", N_("History"), 7,                                                 \
	  N_("Operation history (auditors and administrators)"))                                       \
	X(FILTER, 'f', 0, "f", "f", N_("Filter"), 5,                                                   \
	  N_("Filter the history by operator, action, result or dates"))                                      \
	X(VERIFY, 'V', 0, "V", "V", N_("Verify"), 6, N_("Verify the history's seals and chain"))      \
	X(LOCKOUTS, 'L', 0, "L", "L", N_("Locks"), 7, N_("Locked accounts (supervisors)"))            \
	X(UNLOCK, 'u', 0, "u", "u", N_("Unlock"), 5, N_("Unlock the selected account, with a reason")) \
	X(PACKAGES, 'R', 0, "R", "R", N_("Packages"), 7,                                               \
	  N_("Packages received from the municipalities (受信パッケージ)"))                              \
	X(GRANTS, 'P', 0, "P", "P", N_("Grants"), 7,                                                   \
	  N_("File permissions of the bureau's operators (supervisors)"))                              \
	X(ADD, 'a', 0, "a", "a", N_("Grant"), 5, N_("Grant a permission"))                            \
	X(REVOKE, 'r', 0, "r", "r", N_("Revoke"), 5, N_("Revoke the selected grant, with a reason"))  \
	X(EXPIRING, 'e', 0, "e", "e", N_("Expiring"), 6,                                              \
	  N_("Only grants ending within 30 days, or all again"))                                       \
	X(MATRIX, 'm', 0, "m", "m", N_("Matrix"), 6, N_("Effective permissions of the selected operator")) \
	X(REDRAW, CTRL('l'), 0, "C-l", "", "", 9, N_("Redraw the screen"))                            \
	X(PKG_STATE, 't', 0, "t", "t", N_("State"), 5,                                                 \
	  N_("Packages received: all, applied, staging or refused ones, in turn"))                     \
	X(PKG_MUNI, 'M', 0, "M", "M", N_("Municipality"), 6,                                           \
	  N_("Packages received: one municipality (its code or part of its name); empty: all"))     \
	X(REQUESTS, 'O', 0, "O", "O", N_("Requests"), 7,                                              \
	  N_("Requests to print, export or dispose of registers, and their approval"))                 \
	X(PRINT, 'p', 0, "p", "p", N_("Print"), 5,                                                     \
	  N_("On a register: ask for a print (a supervisor approves); on the requests: print an approved one")) \
	X(APPROVE, 'A', 0, "A", "A", N_("Approve"), 5,                                                 \
	  N_("Approve the selected request, with a reason (supervisors; never one's own)"))            \
	X(REJECT, 'X', 0, "X", "X", N_("Reject"), 5, N_("Reject the selected request, with a reason")) \
	X(WAITING, 'w', 0, "w", "w", N_("Waiting"), 6, N_("Only the requests waiting for a decision, or all again")) \
	X(NEXT_CHANGE, 'n', 0, "n", "n", N_("Next change"), 5, N_("Comparison: the next change"))          \
	X(PREV_CHANGE, 'N', 0, "N", "N", N_("Previous"), 6, N_("Comparison: the previous change")) \
	X(ALERTS, '!', 0, "!", "!", N_("Alerts"), 7,                                                   \
	  N_("Intrusion alerts (supervisors and administrators)"))                                     \
	X(ACK, 'o', 0, "o", "o", N_("Acknowledge"), 5, N_("Acknowledge the selected alert, with a note")) \
	X(HEALTH, 'D', 0, "D", "D", N_("Health"), 7,                                                   \
	  N_("The terminal's health: checks, backups, disk, clock, keys, lockdown (supervisors)")) \
	X(DISPOSE, 'x', 0, "x", "x", N_("Dispose"), 6,                                                \
	  N_("On a register: ask for its disposal (a supervisor approves); on the requests: carry out an approved disposal, or ask for it after a return carried out")) \
	X(EXPORT, 'E', 0, "E", "E", N_("Carry out"), 8,                                             \
	  N_("On a municipality: ask for the return of its data; on the requests: carry out an approved export or return"))  \
	X(RESEND, 'S', 0, "S", "S", N_("Resend"), 8,                                                  \
	  N_("On the requests: send again to the printer the copies of a print left in the print spool")) \
	X(KANA, CTRL('t'), 0, "C-t", "", "", 9,                                                        \
	  N_("Search and pickers: romaji typed becomes hiragana (aoyagi → あおやぎ); C-t: かな/Latin")) \
	X(CANCEL, 'C', 0, "C", "C", N_("Give up"), 8,                                                 \
	  N_("On the requests: give up a return left in progress by an interruption, with a reason (its requester or a supervisor)"))

enum action {
	ACT_NONE = 0,
#define ACTION_ENUM(name, k1, k2, label, bkey, bname, prio, help) ACT_##name,
	ACTION_LIST(ACTION_ENUM)
#undef ACTION_ENUM
	ACT_COUNT,
	ACT_RESIZED, /* not a key: the terminal changed size, paged views refill their page */
	ACT_RESUMED  /* not a key: the screen above was closed, this one is on top again */
};
_Static_assert(ACT_COUNT <= 64, "an action_set holds at most 64 actions");

struct action_info {
	enum action act;
	int key1, key2;
	const char *label;
	const char *bar_key;  /* the key as the key bar shows it; "" : not on the bar */
	const char *bar_name; /* a word or two, translated */
	int priority;         /* 1 first; the bar drops the highest numbers first */
	const char *help;
};

/* A screen's actions: one bit per action (tig's per-keymap help). Every screen has
 * TUI_ACTS_COMMON; each declares its own in its view_ops; the engine adds the screens a
 * role may open from anywhere (H, L, P, R) and the municipality keys 1–4 where a screen
 * belongs to one municipality. */
typedef unsigned long long action_set;
#define ACTS(name) (1ULL << ACT_##name)
#define ACTS_OF(act) (1ULL << (act))
#define TUI_ACTS_COMMON                                                                            \
	(ACTS(HELP) | ACTS(QUIT) | ACTS(UP) | ACTS(DOWN) | ACTS(PGUP) | ACTS(PGDN) | ACTS(FIRST) | \
	 ACTS(LAST) | ACTS(BACK) | ACTS(REDRAW))
#define TUI_ACTS_MUNI (ACTS(KOSEKI) | ACTS(JOSEKI) | ACTS(LEDGER) | ACTS(DOCS))

extern const struct action_info tui_actions[];

/* The action bound to key, or ACT_NONE. */
enum action tui_action_for_key(int key);

#endif
