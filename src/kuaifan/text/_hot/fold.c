/* Normalisation (normalize.py): fold_width, the typo table, Chinese numerals. */
#include "hot.h"

/* ---- fold_width: NFKC, lower-case, emote codes, whitespace ---------------------------------
 * NFKC of a string equals the NFKC of its characters one by one when no character's
 * decomposition holds a combining mark or a character that composes with the one before it
 * (the second half of a canonical pair that is itself a starter, Hangul jamo). Each character is
 * looked up once (unicodedata, lazily) and kept in a table: its NFKC form lower-cased, or
 * "unsafe", and a text with an unsafe character is folded by Python. */

#define E_UNKNOWN 0
#define E_UNSAFE 1
static int32_t *fold_bmp;   /* 0x10000 entries */
static int32_t *fold_smp;   /* U+1F000 .. U+1FAFF (emoji) */
#define SMP_LO 0x1F000
#define SMP_HI 0x1FAFF
static U *pool;             /* multi-character forms: length, then the characters */
static Z pool_n, pool_cap;
static PyObject *ud_normalize, *ud_combining, *str_nfkc, *str_nfkd;

/* Starters that compose with the character before them (unicodedata 14: canonical pairs whose
 * second character has combining class 0); tests/text/test_compiled.py recomputes the list. */
static const U COMPOSING_STARTERS[] = {
    0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6,
    0x0D3E, 0x0D57, 0x0DCF, 0x0DDF, 0x0FB5, 0x0FB7, 0x102E, 0x1B35, 0x11127, 0x1133E,
    0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930, 0};

static int composes(U c) {
    if ((c >= 0x1100 && c <= 0x11FF) || (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF))
        return 1; /* Hangul jamo */
    for (int k = 0; COMPOSING_STARTERS[k]; k++)
        if (COMPOSING_STARTERS[k] == c) return 1;
    return 0;
}

PyObject *hot_composing_starters(void) {
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    for (int k = 0; COMPOSING_STARTERS[k]; k++) {
        PyObject *v = PyLong_FromUnsignedLong(COMPOSING_STARTERS[k]);
        if (!v || PyList_Append(out, v) < 0) {
            Py_XDECREF(v);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(v);
    }
    return out;
}

int hot_fold_init(void) {
    fold_bmp = PyMem_Calloc(0x10000, sizeof(int32_t));
    fold_smp = PyMem_Calloc(SMP_HI - SMP_LO + 1, sizeof(int32_t));
    if (!fold_bmp || !fold_smp) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *ud = PyImport_ImportModule("unicodedata");
    if (!ud) return -1;
    ud_normalize = PyObject_GetAttrString(ud, "normalize");
    ud_combining = PyObject_GetAttrString(ud, "combining");
    Py_DECREF(ud);
    str_nfkc = PyUnicode_InternFromString("NFKC");
    str_nfkd = PyUnicode_InternFromString("NFKD");
    if (!ud_normalize || !ud_combining || !str_nfkc || !str_nfkd) return -1;
    for (U c = 0; c < 128; c++) fold_bmp[c] = (int32_t)(((c >= 'A' && c <= 'Z') ? c + 32 : c) << 2 | 2);
    return 0;
}

static int pool_add(PyObject *s) {
    Z len = PyUnicode_GET_LENGTH(s);
    if (pool_n + len + 1 > pool_cap) {
        Z cap = pool_cap ? pool_cap * 2 : 4096;
        while (cap < pool_n + len + 1) cap *= 2;
        U *p = PyMem_Realloc(pool, (size_t)cap * sizeof(U));
        if (!p) {
            PyErr_NoMemory();
            return -1;
        }
        pool = p;
        pool_cap = cap;
    }
    int32_t at_ = (int32_t)pool_n;
    pool[pool_n++] = (U)len;
    for (Z i = 0; i < len; i++) pool[pool_n++] = PyUnicode_READ_CHAR(s, i);
    return at_;
}

/* The table entry of one character (computed on first sight). */
static int32_t compute_entry(U c) {
    if (c >= 0xD800 && c <= 0xDFFF) return E_UNSAFE;
    PyObject *ch = PyUnicode_FromOrdinal((int)c);
    if (!ch) return -1;
    int32_t entry = E_UNSAFE;
    PyObject *nfkd = PyObject_CallFunctionObjArgs(ud_normalize, str_nfkd, ch, NULL);
    PyObject *nfkc = NULL, *low = NULL;
    if (!nfkd) goto done;
    for (Z i = 0; i < PyUnicode_GET_LENGTH(nfkd); i++) {
        U d = PyUnicode_READ_CHAR(nfkd, i);
        if (composes(d)) goto done_ok;
        PyObject *dch = PyUnicode_FromOrdinal((int)d);
        if (!dch) goto done;
        PyObject *ccc = PyObject_CallOneArg(ud_combining, dch);
        Py_DECREF(dch);
        if (!ccc) goto done;
        long v = PyLong_AsLong(ccc);
        Py_DECREF(ccc);
        if (v != 0) goto done_ok;
    }
    nfkc = PyObject_CallFunctionObjArgs(ud_normalize, str_nfkc, ch, NULL);
    if (!nfkc) goto done;
    for (Z i = 0; i < PyUnicode_GET_LENGTH(nfkc); i++)
        if (PyUnicode_READ_CHAR(nfkc, i) == 0x03A3) goto done_ok; /* lower() of Σ reads its neighbours */
    low = PyObject_CallMethod(nfkc, "lower", NULL);
    if (!low) goto done;
    if (PyUnicode_GET_LENGTH(low) == 1) {
        entry = (int32_t)(PyUnicode_READ_CHAR(low, 0) << 2 | 2);
    } else {
        int off = pool_add(low);
        if (off < 0) goto done;
        entry = (int32_t)(off << 2 | 3);
    }
done_ok:
    Py_DECREF(ch);
    Py_XDECREF(nfkd);
    Py_XDECREF(nfkc);
    Py_XDECREF(low);
    return entry;
done:
    Py_DECREF(ch);
    Py_XDECREF(nfkd);
    Py_XDECREF(nfkc);
    Py_XDECREF(low);
    return -1;
}

static inline int32_t *slot(U c) {
    if (c < 0x10000) return &fold_bmp[c];
    if (c >= SMP_LO && c <= SMP_HI) return &fold_smp[c - SMP_LO];
    return NULL;
}

static int is_bracket_or_space(U c) { return c == '[' || c == ']' || is_space(c); }

int hot_fold(PyObject *text, Buf *out) {
    Z len = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    out->n = 0;
    if (buf_reserve(out, len + 8) < 0) return HOT_ERROR;
    int bracket = 0;
    for (Z i = 0; i < len; i++) {
        U c = PyUnicode_READ(kind, data, i);
        int32_t *e = slot(c);
        if (!e) return HOT_FALLBACK;
        int32_t v = *e;
        if (v == E_UNKNOWN) {
            v = compute_entry(c);
            if (v < 0) return HOT_ERROR;
            *e = v;
        }
        if (v == E_UNSAFE) return HOT_FALLBACK;
        if ((v & 3) == 2) {
            U m = (U)v >> 2;
            if (buf_push(out, m) < 0) return HOT_ERROR;
            bracket |= m == '[';
        } else {
            const U *p = pool + (v >> 2);
            for (U k = 1; k <= p[0]; k++) {
                if (buf_push(out, p[k]) < 0) return HOT_ERROR;
                bracket |= p[k] == '[';
            }
        }
    }
    U *s = out->s;
    Z n = out->n, w = 0;
    if (bracket) { /* _EMOTE: \[[^\[\]\s]{1,6}\] -> " " */
        for (Z r = 0; r < n;) {
            if (s[r] == '[') {
                Z k = r + 1;
                while (k < n && k - (r + 1) < 6 && !is_bracket_or_space(s[k])) k++;
                if (k > r + 1 && k < n && s[k] == ']') {
                    s[w++] = ' ';
                    r = k + 1;
                    continue;
                }
            }
            s[w++] = s[r++];
        }
        n = w;
    }
    /* \s+ -> " ", then strip() */
    w = 0;
    for (Z r = 0; r < n;) {
        if (is_space(s[r])) {
            while (r < n && is_space(s[r])) r++;
            s[w++] = ' ';
        } else {
            s[w++] = s[r++];
        }
    }
    Z a = 0;
    while (a < w && s[a] == ' ') a++;
    while (w > a && s[w - 1] == ' ') w--;
    if (a) memmove(s, s + a, (size_t)(w - a) * sizeof(U));
    out->n = w - a;
    return HOT_OK;
}

/* ---- TypoReplacer: leftmost-longest replacement -------------------------------------------- */
int hot_typos(const Tables *tb, const Buf *in, Buf *out) {
    out->n = 0;
    if (buf_reserve(out, in->n + 8) < 0) return HOT_ERROR;
    const U *s = in->s;
    Z n = in->n;
    for (Z i = 0; i < n;) {
        int32_t node = 0, best = -1;
        Z best_len = 0;
        for (Z k = i; k < n; k++) {
            U c = s[k];
            node = ac_goto(&tb->typos, node, c < 0x10000 ? tb->cm.bmp[c] : cmap_get(&tb->cm, c));
            if (node < 0) break;
            if (tb->typos.nodes[node].value >= 0) {
                best = tb->typos.nodes[node].value;
                best_len = k - i + 1;
            }
        }
        if (best >= 0) {
            for (Z k = 0; k < tb->typo_value_len[best]; k++)
                if (buf_push(out, tb->typo_value[best][k]) < 0) return HOT_ERROR;
            i += best_len;
        } else {
            if (buf_push(out, s[i]) < 0) return HOT_ERROR;
            i++;
        }
    }
    return HOT_OK;
}

/* ---- convert_numerals ---------------------------------------------------------------------- */
static const char32_t UNIT_CHARS[] = U"米斤公千号码岁个块元厘cmkg";
/* _PRICE_CONTEXT: 钱|元|块|价|券|优惠|便宜|贵|包邮|运费|折|满减|划算|[两二三四五几]件|¥|￥ */
static int money_context(const U *t, Z n) {
    static const char32_t *const W[] = {U"优惠", U"便宜", U"包邮", U"运费", U"满减", U"划算", NULL};
    for (Z i = 0; i < n; i++) {
        switch (t[i]) {
        case U'钱': case U'元': case U'块': case U'价': case U'券': case U'贵': case U'折': case U'¥': case U'￥':
            return 1;
        case U'件':
            if (i > 0 && in_set(t[i - 1], U"两二三四五几")) return 1;
            break;
        default:
            if (starts_any(t, n, i, W) >= 0) return 1;
        }
    }
    return 0;
}
static const char32_t *const PRE_WORDS[] = {U"身高", U"体重", U"链接", U"第", U"米", NULL};

static int digit_value(U c) {
    switch (c) {
    case U'零': case U'〇': return 0;
    case U'一': return 1;
    case U'二': case U'两': return 2;
    case U'三': return 3;
    case U'四': return 4;
    case U'五': return 5;
    case U'六': return 6;
    case U'七': return 7;
    case U'八': return 8;
    case U'九': return 9;
    default: return -1;
    }
}

static inline int is_numeral(U c) { /* NUMERAL_CHARS */
    switch (c) {
    case U'零': case U'〇': case U'一': case U'二': case U'两': case U'三': case U'四': case U'五':
    case U'六': case U'七': case U'八': case U'九': case U'十': case U'百':
        return 1;
    default:
        return 0;
    }
}
static inline int is_d19(U c) { return in_set(c, U"一二三四五六七八九"); }

/* normalize.chinese_number: 1 with *value set, 0 for None, -1 when too long for int64 */
static int chinese_number(const U *r, Z len, int64_t *value) {
    if (len == 0) return 0;
    Z shi = -1, bai = -1, liang = 0;
    for (Z k = 0; k < len; k++) {
        if (r[k] == U'十' && shi < 0) shi = k;
        if (r[k] == U'百' && bai < 0) bai = k;
        if (r[k] == U'两') liang++;
    }
    if (shi < 0 && bai < 0) {
        if (liang && len > 1) return 0;
        if (len > 18) return -1;
        int64_t v = 0;
        for (Z k = 0; k < len; k++) v = v * 10 + digit_value(r[k]);
        *value = v;
        return 1;
    }
    int64_t total = 0;
    const U *rest = r;
    Z rn = len;
    if (bai >= 0) {
        Z hn = bai;
        const U *tail = r + bai + 1;
        Z tn = len - bai - 1;
        if (hn > 1) return 0;
        if (hn == 1 && r[0] == U'十') return 0;
        for (Z k = 0; k < tn; k++)
            if (tail[k] == U'百') return 0;
        total += (hn ? digit_value(r[0]) : 1) * 100;
        if (tn == 1 && digit_value(tail[0]) >= 0 && tail[0] != U'零' && tail[0] != U'〇') {
            *value = total + digit_value(tail[0]) * 10;
            return 1;
        }
        while (tn > 0 && (tail[0] == U'零' || tail[0] == U'〇')) {
            tail++;
            tn--;
        }
        rest = tail;
        rn = tn;
    }
    Z s10 = -1;
    for (Z k = 0; k < rn; k++)
        if (rest[k] == U'十') {
            s10 = k;
            break;
        }
    if (s10 >= 0) {
        Z hn = s10, tn = rn - s10 - 1;
        if (hn > 1 || tn > 1) return 0;
        if (tn == 1 && rest[s10 + 1] == U'十') return 0;
        total += (hn ? digit_value(rest[0]) : 1) * 10;
        if (tn) total += digit_value(rest[s10 + 1]);
        *value = total;
        return 1;
    }
    if (rn > 1) return 0;
    *value = total + (rn ? digit_value(rest[0]) : 0);
    return 1;
}

/* _HEIGHT_DIGITS.fullmatch: 一[三-九][零〇一-九] */
static int height_digits(const U *r, Z len) {
    return len == 3 && r[0] == U'一' && in_set(r[1], U"三四五六七八九") && in_set(r[2], U"零〇一二三四五六七八九");
}

/* _HUNDREDS.fullmatch: [一两二]百(?:[零〇][D]|[D]十?[D]?)? with D = 一..九 */
static int hundreds(const U *r, Z len) {
    if (len < 2 || !in_set(r[0], U"一两二") || r[1] != U'百') return 0;
    if (len == 2) return 1;
    if (r[2] == U'零' || r[2] == U'〇') return len == 4 && is_d19(r[3]);
    if (!is_d19(r[2])) return 0;
    Z k = 3;
    if (k < len && r[k] == U'十') k++;
    if (k < len && is_d19(r[k])) k++;
    return k == len;
}

static int push_int(Buf *out, int64_t v) {
    char tmp[24];
    int m = snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    for (int k = 0; k < m; k++)
        if (buf_push(out, (U)tmp[k]) < 0) return -1;
    return 0;
}

int hot_numerals(const Buf *in, Buf *out) {
    const U *t = in->s;
    Z n = in->n;
    out->n = 0;
    if (buf_reserve(out, n + 8) < 0) return HOT_ERROR;
    int any = 0;
    for (Z i = 0; i < n && !any; i++) any = is_numeral(t[i]);
    if (!any) {
        memcpy(out->s, t, (size_t)n * sizeof(U));
        out->n = n;
        return HOT_OK;
    }
    int money = money_context(t, n);
    for (Z i = 0; i < n;) {
        Z pre = 0;
        for (int k = 0; PRE_WORDS[k]; k++) {
            Z m = wlen(PRE_WORDS[k]);
            if (starts(t, n, i, PRE_WORDS[k]) && i + m < n && is_numeral(t[i + m])) {
                pre = m;
                break;
            }
        }
        if (!pre && !is_numeral(t[i])) {
            if (buf_push(out, t[i]) < 0) return HOT_ERROR;
            i++;
            continue;
        }
        Z s = i + pre, e = s;
        while (e < n && is_numeral(t[e])) e++;
        /* post: (?=[多来]?(?:[units]|公分|公斤|千克|厘米|包邮)|的?脚) at e */
        Z u = (at(t, n, e) == U'多' || at(t, n, e) == U'来') ? e + 1 : e;
        U a = at(t, n, e), b = at(t, n, e + 1);
        int post = in_set(at(t, n, u), UNIT_CHARS) || starts(t, n, u, U"包邮") || (u == e + 1 && in_set(a, UNIT_CHARS)) ||
                   starts(t, n, e, U"包邮") || a == U'脚' || (a == U'的' && b == U'脚');
        int is_hundreds = !pre && !post && hundreds(t + s, e - s);
        int keep = 0, jin = 0;
        int64_t value = 0;
        if (!pre && !post && !height_digits(t + s, e - s) && !is_hundreds) {
            keep = 1;
        } else if (pre == 1 && t[i] == U'米' && !post && (has_char(t + s, e - s, U'十') || has_char(t + s, e - s, U'百'))) {
            keep = 1;
        } else if (pre == 1 && t[i] == U'米' && e - s == 2 && (t[s] == U'零' || t[s] == U'〇') && digit_value(t[s + 1]) >= 0) {
            /* 一米零五 -> 1米05 */
            if (buf_push(out, U'米') < 0 || buf_push(out, '0') < 0 || buf_push(out, (U)('0' + digit_value(t[s + 1]))) < 0)
                return HOT_ERROR;
            i = e;
            continue;
        } else {
            int r = chinese_number(t + s, e - s, &value);
            if (r < 0) return HOT_FALLBACK;
            keep = r == 0;
            jin = !keep && is_hundreds && !money && !(a == U'多' || a == U'来' || a == U'余');
        }
        for (Z k = i; k < (keep ? e : s); k++)
            if (buf_push(out, t[k]) < 0) return HOT_ERROR;
        if (!keep && push_int(out, value) < 0) return HOT_ERROR;
        if (jin && buf_push(out, U'斤') < 0) return HOT_ERROR; /* 我一百三 -> 我130斤 */
        i = e;
    }
    return HOT_OK;
}
