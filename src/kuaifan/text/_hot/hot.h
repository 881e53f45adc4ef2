/* kuaifan.text._hotpath: the per-comment rules of kuaifan.text, compiled.
 *
 * Every function here mirrors a Python function of kuaifan/text (named in its comment) and must
 * give the same result on every text: tests/text/test_compiled.py compares the two paths on the
 * labelled sets, on generated comments and character by character. Where a text needs something
 * this code does not cover (a character whose NFKC form depends on its neighbours, digits other
 * than ASCII in the normalised text, more matches than the fixed arrays hold), the caller hands
 * the text to the Python path instead (HOT_FALLBACK), so results never differ.
 */
#ifndef KUAIFAN_HOT_H
#define KUAIFAN_HOT_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <uchar.h>

typedef Py_UCS4 U;
typedef Py_ssize_t Z;

#define HOT_OK 1
#define HOT_FALLBACK 0
#define HOT_ERROR (-1)

#define MAXM 96      /* matches of one kind in one text; more: the Python path */
#define MAXLEN 4096  /* normalised characters; longer texts: the Python path */

/* A growable buffer of code points. */
typedef struct {
    U *s;
    Z n, cap;
} Buf;

int buf_reserve(Buf *b, Z cap);
static inline int buf_push(Buf *b, U c) {
    if (b->n >= b->cap && buf_reserve(b, b->n + 1) < 0) return -1;
    b->s[b->n++] = c;
    return 0;
}
void buf_free(Buf *b);

/* ---- characters as dense ids: every character of a lexicon word has one, all others 0 ------- */
typedef struct {
    uint16_t *bmp; /* 0x10000 entries */
    U *astral;
    uint16_t *astral_id;
    int32_t n_astral;
    int32_t n; /* ids in use, 0 included */
} CharMap;

int cmap_init(CharMap *cm);
void cmap_free(CharMap *cm);
uint16_t cmap_get(const CharMap *cm, U c);
int32_t cmap_add(CharMap *cm, U c);
int cmap_text(const CharMap *cm, const U *t, Z n, uint16_t *out);

/* ---- Aho-Corasick automaton, the same matches in the same order as pyahocorasick ---------- */
typedef struct {
    int32_t fail;  /* -1 for the root */
    int32_t value; /* word id, -1 when no word ends here */
    int32_t depth;
    int32_t out;   /* the nearest node on the fail chain where a word ends, -1: none */
    int32_t child_off, child_n; /* children: child_cid / child_node[child_off : child_off + child_n] */
} ACNode;

typedef struct {
    ACNode *nodes;
    int32_t n_nodes, cap_nodes;
    uint16_t *child_cid; /* sorted per node */
    int32_t *child_node;
    int32_t *root; /* the root's child per character id (0: none) */
    int32_t n_cids;
    void *edges; /* while building */
    int32_t n_edges, cap_edges;
    int32_t n_words;
} AC;

int ac_init(AC *ac);
void ac_free(AC *ac);
int ac_add(AC *ac, CharMap *cm, const U *word, Z len, int32_t value); /* a later add of a word wins */
int ac_finish(AC *ac, const CharMap *cm); /* after every word of every automaton is added */

/* the child of node by character id, -1: none */
static inline int32_t ac_goto(const AC *ac, int32_t node, uint16_t cid) {
    if (!cid) return -1;
    if (node == 0) {
        int32_t v = ac->root[cid];
        return v ? v : -1;
    }
    const ACNode *nd = &ac->nodes[node];
    const uint16_t *cc = ac->child_cid + nd->child_off;
    for (int32_t j = 0; j < nd->child_n; j++)
        if (cc[j] == cid) return ac->child_node[nd->child_off + j];
    return -1;
}

typedef struct {
    int32_t end;   /* index of the last character of the match */
    int32_t value; /* word id */
} ACHit;

/* automaton.iter: every occurrence; returns the count or -1 when more than cap */
int ac_iter(const AC *ac, const uint16_t *t, Z n, ACHit *out, int cap);
/* automaton.iter_long (pyahocorasick's own non-overlapping longest matching) */
int ac_iter_long(const AC *ac, const uint16_t *t, Z n, ACHit *out, int cap);
/* any occurrence at all */
int ac_any(const AC *ac, const uint16_t *t, Z n);

/* ---- character classes of Python's re on str patterns -------------------------------------- */
static inline int is_digit(U c) { return c >= '0' && c <= '9'; } /* after the non-ASCII check */
static inline int is_az(U c) { return c >= 'a' && c <= 'z'; }
static inline int is_space(U c) { return Py_UNICODE_ISSPACE(c); }
static inline int is_word(U c) { return Py_UNICODE_ISALNUM(c) || c == '_'; }

static inline U at(const U *t, Z n, Z i) { return (i >= 0 && i < n) ? t[i] : 0; }
/* t[i:] starts with the NUL-terminated word w */
static inline int starts(const U *t, Z n, Z i, const char32_t *w) {
    if (i < 0) return 0;
    for (Z k = 0; w[k]; k++)
        if (i + k >= n || t[i + k] != (U)w[k]) return 0;
    return 1;
}
static inline Z wlen(const char32_t *w) {
    Z k = 0;
    while (w[k]) k++;
    return k;
}
/* the first word of a NULL-terminated list that t[i:] starts with: its length, or -1 */
static inline Z starts_any(const U *t, Z n, Z i, const char32_t *const *ws) {
    for (int k = 0; ws[k]; k++)
        if (starts(t, n, i, ws[k])) return wlen(ws[k]);
    return -1;
}
/* t[:i] ends with w */
static inline int ends_at(const U *t, Z i, const char32_t *w) {
    Z m = wlen(w);
    if (m > i) return 0;
    for (Z k = 0; k < m; k++)
        if (t[i - m + k] != (U)w[k]) return 0;
    return 1;
}
static inline int contains(const U *t, Z n, const char32_t *w) {
    for (Z i = 0; i < n; i++)
        if (starts(t, n, i, w)) return 1;
    return 0;
}
static inline int has_char(const U *t, Z n, U c) {
    for (Z i = 0; i < n; i++)
        if (t[i] == c) return 1;
    return 0;
}
static inline Z skip_spaces(const U *t, Z n, Z i) {
    while (i < n && is_space(t[i])) i++;
    return i;
}
static inline Z digit_run(const U *t, Z n, Z i) {
    Z k = i;
    while (k < n && is_digit(t[k])) k++;
    return k - i;
}
static inline int in_set(U c, const char32_t *set) {
    if (!c) return 0;
    for (Z k = 0; set[k]; k++)
        if ((U)set[k] == c) return 1;
    return 0;
}

/* ---- the lexicon tables (module.c builds them from kuaifan.text.lexicon.CompiledLexicon) ------ */
typedef struct {
    int32_t n;
    int32_t *intent; /* intent index per entry */
    double *weight;
} CueWeights;

typedef struct {
    CharMap cm;
    AC typos, intents, colors, senti, spam, misc;
    U **typo_value;
    Z *typo_value_len;
    CueWeights *cue;     /* per intent cue */
    int32_t **supers;    /* per cue: the longer cues that contain it, -1 terminated (or NULL) */
    int32_t *color_canon;/* per colour word: index into canon (-1: a blocked word) */
    PyObject **canon;    /* canonical colour names (str) */
    Z *color_len;
    int32_t n_canon;
    double *senti_weight;
    Z *senti_len;
    int32_t *misc_kind;  /* 0 product, 1 person, 2 a person word that introduces no number */
    Z *misc_len;
    U *misc_first;       /* first character of each misc word */
} Tables;

/* ---- per text ------------------------------------------------------------------------------ */
typedef struct { int32_t s, e; } Span;
typedef struct { int32_t canon, s, e; } ColorHit;

typedef struct {
    U *t; /* the normalised text */
    Z n;
    uint16_t *cid; /* its character ids (cid[-1] and cid[n] exist: the colours scan " " + t + " ") */
    ACHit cues[MAXM];
    int ncues;
    ColorHit colors[MAXM];
    int ncolors;
    int32_t senti[MAXM];
    int nsenti;
    int spam_word;
    int hits_done;
    Span products[MAXM], persons[MAXM];
    int nproducts, npersons;
} Text;

typedef struct {
    int32_t height;  /* -1: none */
    int has_weight;
    double weight;
    U size[12];      /* canonical size, size_len 0: none */
    int size_len;
    int32_t color;   /* canon index, -1: none */
    int32_t link;    /* -1: none */
    int n_colors;
} Attrs;

/* ngram.c: ngram_model.NgramModel's weights */
typedef struct {
    uint64_t *keys; /* up to three 21-bit characters and the length, 0 = empty */
    double *vals;
    size_t mask;
    double bias;
} NgramTable;
int ngram_build(NgramTable *m, PyObject *weights);
void ngram_free(NgramTable *m);
int ngram_logit(const NgramTable *m, const U *t, Z n, double *out);

/* intent_model.IntentModel: per n-gram one weight per intent */
#define N_MODEL_INTENTS 11
typedef struct {
    uint64_t *keys;
    int32_t *rows;
    size_t mask;
    double *weights; /* rows × N_MODEL_INTENTS */
    double bias[N_MODEL_INTENTS];
} IntentTab;
int intent_build(IntentTab *m, PyObject *weights, PyObject *bias);
void intent_free(IntentTab *m);
/* IntentModel.probabilities; -1 on a memory error */
int intent_probabilities(const IntentTab *m, const U *t, Z n, double *p);

/* fold.c */
int hot_fold(PyObject *text, Buf *out);                 /* normalize.fold_width */
int hot_typos(const Tables *tb, const Buf *in, Buf *out); /* normalize.TypoReplacer */
int hot_numerals(const Buf *in, Buf *out);               /* normalize.convert_numerals */

/* extract.c */
int hot_hits(const Tables *tb, Text *x);                 /* extract.find_hits */
int hot_extract(const Tables *tb, Text *x, Attrs *a);    /* extract.extract */
int size_canonical(const U *tok, Z len, U *out);         /* extract.canonical_size: length, 0 none */

/* decide.c */
int hot_flags(const U *t, Z n);                          /* intents.text_flags */
void hot_decide(const Tables *tb, const Text *x, const Attrs *a, int ad, int *intent, double *confidence);
int hot_ad_pattern(const U *t, Z n);                     /* sentiment.has_ad_pattern */
int hot_flood(const U *t, Z n);                          /* sentiment.is_flood */
int hot_question_end(const U *t, Z n);                   /* sentiment.is_question_end */
double py_round3(double x);                              /* round(x, 3) */

#endif
