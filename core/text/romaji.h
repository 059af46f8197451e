/* Romaji typed on a console without an IME, to hiragana as it is typed (Hepburn and kunrei). */
#ifndef FK_ROMAJI_H
#define FK_ROMAJI_H

#include <stddef.h>

/* Convert the romaji in in[0..len) (ASCII letters of either case, ' and -) to hiragana in out
 * (UTF-8, always terminated), as far as it resolves: aoyagi → あおやぎ, kan'no and kanno → かんの,
 * hattori → はっとり, shi/si, chi/ti, tsu/tu, fu/hu, ji/zi, sha/sya, ja/zya/jya, - → ー, xa/la
 * small kana, wo → を. A syllable only begun at the end (k, ky, ts, tt, n, nn) is not written:
 * *pending counts its bytes, which the caller keeps shown as typed and feeds again with the
 * next letter. final: nothing more comes (Enter): a pending n becomes ん and other pending
 * letters are copied as typed. A letter that begins no syllable (q, c not before h) is copied
 * as typed. Returns 1, or 0 when out is too small (out then holds what fitted, whole
 * characters only). */
int fk_romaji_kana(const char *in, size_t len, int final, char *out, size_t outlen, size_t *pending);

/* 1 when c is a character fk_romaji_kana reads (an ASCII letter, ' or -). */
int fk_romaji_char(unsigned long c);

#endif
