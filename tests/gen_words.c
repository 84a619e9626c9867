/*
 * tests/gen_words.c - deterministic word-like text for the wordfreq
 * check, together with the answer wordfreq must print.
 *
 *   gen_words TEXT BYTES EXPECTED TOP
 *
 * Writes at least BYTES bytes of text to TEXT: sentences of words drawn from
 * a fixed vocabulary with Zipf-like frequencies (weight 1/(rank+1)),
 * capitalised at the start of a sentence, separated by spaces, commas,
 * full stops and newlines.  It counts every word by its vocabulary index as
 * it writes it (never by parsing the text back), then writes to EXPECTED
 * exactly what `wordfreq -n TOP TEXT` must print: the summary line and the
 * TOP most frequent words, count descending, ties by word ascending.
 *
 * The random generator is a fixed-seed xorshift, so the same arguments give
 * the same bytes on every machine.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The vocabulary: big enough that the hash table in wordfreq has to grow
 * several times, small enough that every word occurs many times. */
#define VOCAB 20000u
/* Words are made of consonant-vowel syllables; three syllables give
 * 105^3 > VOCAB words. */
#define CONSONANTS "bcdfghjklmnpqrstvwxyz"
#define VOWELS "aeiou"
#define SYLLABLES (21u * 5u)
#define MAX_SYLLABLES 3u
#define WORD_MAX (2u * MAX_SYLLABLES)
/* Scrambles the codes of one length: coprime with 105 = 3 * 5 * 7. */
#define SCRAMBLE 52u
/* Weights 1/(rank+1) in fixed point. */
#define WEIGHT_ONE (1u << 24)

struct word {
  char text[WORD_MAX + 1];
  size_t len;
  unsigned long long count;
};

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}

/* Word i: rank i in the list of all one-syllable words, then all
 * two-syllable words, then three (so frequent words are short, as in
 * English).  Within one length the code is scrambled by a multiplication
 * that is one-to-one modulo 105^s.  Distinct i give distinct words. */
static void spell(struct word *w, unsigned i) {
  unsigned long code = i, space = SYLLABLES;
  unsigned syl = 1;
  while (code >= space && syl < MAX_SYLLABLES) {
    code -= space;
    space *= SYLLABLES;
    syl++;
  }
  code = code * SCRAMBLE % space;
  size_t n = 0;
  for (unsigned k = 0; k < syl; k++) {
    w->text[n++] = CONSONANTS[code % 21u];
    w->text[n++] = VOWELS[code / 21u % 5u];
    code /= SYLLABLES;
  }
  w->text[n] = '\0';
  w->len = n;
}

/* wordfreq's order: count descending, then the word's bytes ascending. */
static int by_count(const void *a, const void *b) {
  const struct word *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->text, y->text);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: gen_words TEXT BYTES EXPECTED TOP\n");
    return 2;
  }
  unsigned long long want = strtoull(argv[2], NULL, 10);
  size_t top = (size_t)strtoul(argv[4], NULL, 10);
  static struct word words[VOCAB];
  static uint64_t cumul[VOCAB];
  uint64_t total = 0;
  for (unsigned i = 0; i < VOCAB; i++) {
    spell(&words[i], i);
    total += WEIGHT_ONE / (i + 1u);
    cumul[i] = total;
  }

  FILE *out = fopen(argv[1], "wb");
  if (out == NULL) {
    perror(argv[1]);
    return 1;
  }
  unsigned long long bytes = 0, nwords = 0;
  char line[WORD_MAX + 4];
  while (bytes < want) {
    unsigned sentence = 5u + (unsigned)(rng() % 11u);
    for (unsigned k = 0; k < sentence; k++) {
      /* Inverse of the cumulative weights: a binary search. */
      uint64_t u = rng() % total;
      size_t lo = 0, hi = VOCAB - 1;
      while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cumul[mid] > u) hi = mid; else lo = mid + 1;
      }
      struct word *w = &words[lo];
      w->count++;
      nwords++;
      memcpy(line, w->text, w->len);
      size_t n = w->len;
      if (k == 0) line[0] = (char)(line[0] - 'a' + 'A');
      if (k + 1 == sentence) {
        line[n++] = '.';
        line[n++] = rng() % 6u == 0 ? '\n' : ' ';
      } else {
        if (rng() % 9u == 0) line[n++] = ',';
        line[n++] = ' ';
      }
      if (fwrite(line, 1, n, out) != n) {
        perror(argv[1]);
        return 1;
      }
      bytes += n;
    }
  }
  if (fclose(out) != 0) {
    perror(argv[1]);
    return 1;
  }

  size_t distinct = 0;
  for (unsigned i = 0; i < VOCAB; i++) distinct += words[i].count != 0;
  qsort(words, VOCAB, sizeof words[0], by_count);
  FILE *exp = fopen(argv[3], "w");
  if (exp == NULL) {
    perror(argv[3]);
    return 1;
  }
  fprintf(exp, "%llu bytes, %llu words, %zu distinct\n", bytes, nwords, distinct);
  for (size_t i = 0; i < top && i < distinct; i++)
    fprintf(exp, "%10llu %s\n", words[i].count, words[i].text);
  if (fclose(exp) != 0) {
    perror(argv[3]);
    return 1;
  }
  return 0;
}
