/*
 * examples/wordfreq.c - the most frequent words of a large text.
 *
 *   wordfreq [-n TOP] [FILE | -]        (default: TOP 20, standard input)
 *
 * Reads the whole input straight into a paged vector of bytes
 * (pv_vec_read_file: sized from the file, no intermediate buffer; from
 * standard input pv_vec_read_fd grows it as the bytes come), counts the words into a vector of records indexed by an
 * open-addressing hash table (itself a paged vector), sorts the records and
 * prints the summary and the TOP most frequent words:
 *
 *   104857606 bytes, 24313906 words, 20000 distinct
 *      2323128 ba
 *      1158980 ni
 *   ...
 *
 * A word is a run of ASCII letters, compared without case (the text is
 * folded to lower case in place); every other byte separates words.  Ties
 * are printed in byte order of the word.
 *
 * Build against an installed paged_vec:
 *   cc -O2 wordfreq.c $(pkg-config --cflags --libs paged_vec) -o wordfreq
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <paged_vec.h>

/* One word: where its first occurrence is in the text, and how often it
 * occurs.  Offsets, not pointers, so that they survive the text growing. */
struct word {
  size_t off;
  size_t len;
  size_t count;
  uint64_t hash;
};

PV_VEC_DEFINE(textbuf, char);
PV_VEC_DEFINE(wordlist, struct word);
/* The hash table: a slot holds 1 + an index into the words, 0 when empty. */
PV_VEC_DEFINE(slotvec, size_t);

#define DEFAULT_TOP 20
/* The table starts with this many slots (a power of two) and doubles
 * whenever it would become more than half full. */
#define TABLE_START ((size_t)1 << 10)

static int fail(const char *what, int rc) {
  fprintf(stderr, "wordfreq: %s: %s (%s)\n", what, pv_strerror(rc), pv_errname(rc));
  return 1;
}

static int is_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* FNV-1a: simple and good enough for words. */
static uint64_t hash_word(const char *s, size_t len) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

/* Rebuild the table with twice as many slots.  Only touches *table when the
 * new one is complete, so a failure leaves the old table usable. */
static int grow_table(slotvec *table, const wordlist *list) {
  size_t n = slotvec_len(table) * 2;
  if (n < slotvec_len(table)) return PV_EOVERFLOW;
  slotvec bigger;
  int rc = slotvec_init(&bigger);
  if (rc == 0) rc = slotvec_resize(&bigger, n, NULL); /* zero: all empty */
  if (rc < 0) {
    slotvec_destroy(&bigger);
    return rc;
  }
  size_t *s = slotvec_data(&bigger);
  const struct word *w = wordlist_data(list);
  for (size_t i = 0; i < wordlist_len(list); i++) {
    size_t j = (size_t)w[i].hash & (n - 1);
    while (s[j] != 0) j = (j + 1) & (n - 1);
    s[j] = i + 1;
  }
  slotvec_destroy(table);
  *table = bigger;
  return 0;
}

/* Count the word at text[off, off + len). */
static int count_word(const char *text, size_t off, size_t len, wordlist *list,
                      slotvec *table) {
  uint64_t h = hash_word(text + off, len);
  size_t mask = slotvec_len(table) - 1;
  size_t *s = slotvec_data(table);
  size_t j = (size_t)h & mask;
  for (; s[j] != 0; j = (j + 1) & mask) {
    struct word *w = wordlist_at(list, s[j] - 1);
    if (w->hash == h && w->len == len && memcmp(text + w->off, text + off, len) == 0) {
      w->count++;
      return 0;
    }
  }
  struct word fresh = {off, len, 1, h};
  int rc = wordlist_push(list, fresh);
  if (rc < 0) return rc;
  s[j] = wordlist_len(list);
  if (wordlist_len(list) * 2 > slotvec_len(table)) return grow_table(table, list);
  return 0;
}

/* Most frequent first, then in byte order; ctx is the text. */
static int by_count(const void *a, const void *b, void *ctx) {
  const char *sort_text = ctx;
  const struct word *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp(sort_text + x->off, sort_text + y->off, n);
  if (c != 0) return c;
  return (x->len > y->len) - (x->len < y->len);
}

int main(int argc, char **argv) {
  size_t top = DEFAULT_TOP;
  const char *path = "-";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      char *end;
      errno = 0;
      unsigned long long t = strtoull(argv[++i], &end, 10);
      if (errno != 0 || *end != '\0' || end == argv[i] || t > SIZE_MAX) {
        fprintf(stderr, "wordfreq: -n wants a number, got '%s'\n", argv[i]);
        return 2;
      }
      top = (size_t)t;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "usage: wordfreq [-n TOP] [FILE | -]\n");
      return 2;
    } else {
      path = argv[i];
    }
  }

  textbuf text;
  wordlist list;
  slotvec table;
  int rc = textbuf_init(&text);
  if (rc == 0) rc = wordlist_init(&list);
  if (rc == 0) rc = slotvec_init(&table);
  if (rc < 0) return fail("init", rc);

  if (strcmp(path, "-") == 0)
    rc = textbuf_read_fd(&text, fileno(stdin), 0, NULL);
  else
    rc = textbuf_read_file(&text, path);
  if (rc < 0) return fail(path, rc);
  /* One pass from start to end: let the kernel read ahead. */
  rc = textbuf_advise(&text, PV_ADVISE_SEQUENTIAL);
  if (rc < 0) return fail("advise", rc);

  rc = slotvec_resize(&table, TABLE_START, NULL);
  if (rc < 0) return fail("table", rc);
  char *t = textbuf_data(&text);
  size_t n = textbuf_len(&text), nwords = 0;
  for (size_t i = 0; i < n;) {
    if (!is_letter((unsigned char)t[i])) {
      i++;
      continue;
    }
    size_t start = i;
    for (; i < n && is_letter((unsigned char)t[i]); i++)
      if (t[i] <= 'Z') t[i] = (char)(t[i] - 'A' + 'a');
    rc = count_word(t, start, i - start, &list, &table);
    if (rc < 0) return fail("count", rc);
    nwords++;
  }
  /* The table is done with; give its memory back before sorting. */
  slotvec_destroy(&table);

  rc = wordlist_sort_r(&list, by_count, t);
  if (rc < 0) return fail("sort", rc);

  printf("%zu bytes, %zu words, %zu distinct\n", n, nwords, wordlist_len(&list));
  for (size_t i = 0; i < top && i < wordlist_len(&list); i++) {
    const struct word *w = wordlist_at(&list, i);
    printf("%10zu ", w->count);
    fwrite(t + w->off, 1, w->len, stdout);
    putchar('\n');
  }
  wordlist_destroy(&list);
  textbuf_destroy(&text);
  return ferror(stdout) ? 1 : 0;
}
