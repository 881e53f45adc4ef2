/* Attributes (extract.py): height, weight, size, link number; colours come from the scan.
 * Each regular expression of extract.py is matched here by hand; the comment above each matcher
 * gives the expression. A finditer is a loop over start positions that continues after a match. */
#include "hot.h"

#define HEIGHT_LO 50
#define HEIGHT_HI 230
#define WEIGHT_LO 8.0
#define WEIGHT_HI 200.0

typedef struct {
    double v;
    Span sp;
} Val;

typedef struct {
    Val a[MAXM];
    int n;
} Vals;

static int vals_add(Vals *vs, double v, Z s, Z e) {
    if (vs->n >= MAXM) return -1;
    vs->a[vs->n].v = v;
    vs->a[vs->n].sp.s = (int32_t)s;
    vs->a[vs->n].sp.e = (int32_t)e;
    vs->n++;
    return 0;
}

#define ADD(vs, v, s, e)                                                                           \
    do {                                                                                           \
        if (vals_add((vs), (v), (s), (e)) < 0) return HOT_FALLBACK;                                \
    } while (0)

static inline int is_dd(U c) { return is_digit(c) || c == '.'; }

/* float() of t[s:e] (ASCII digits and one dot) */
static double to_float(const U *t, Z s, Z e) {
    char buf[64];
    Z m = e - s;
    if (m > 60) m = 60;
    for (Z k = 0; k < m; k++) buf[k] = (char)t[s + k];
    buf[m] = 0;
    return PyOS_string_to_double(buf, NULL, NULL);
}

static long to_int(const U *t, Z s, Z e) {
    long v = 0;
    for (Z k = s; k < e; k++) v = v * 10 + (long)(t[k] - '0');
    return v;
}

/* ---- find_hits ---------------------------------------------------------------------------- */
int hot_hits(const Tables *tb, Text *x) {
    if (x->hits_done) return HOT_OK;
    ACHit hits[MAXM];
    int k = ac_iter_long(&tb->misc, x->cid, x->n, hits, MAXM);
    if (k < 0) return HOT_FALLBACK;
    x->nproducts = x->npersons = 0;
    for (int i = 0; i < k; i++) {
        int32_t w = hits[i].value;
        Z len = tb->misc_len[w];
        Z s = hits[i].end - len + 1, e = hits[i].end + 1;
        int kind = tb->misc_kind[w];
        if (kind == 0) {
            if (is_dd(tb->misc_first[w]) && s > 0 && is_dd(x->t[s - 1])) continue;
            x->products[x->nproducts].s = (int32_t)s;
            x->products[x->nproducts].e = (int32_t)e;
            x->nproducts++;
        } else if (kind == 1) {
            x->persons[x->npersons].s = (int32_t)s;
            x->persons[x->npersons].e = (int32_t)e;
            x->npersons++;
        }
    }
    x->hits_done = 1;
    return HOT_OK;
}

/* _person_before */
static int person_before(const Text *x, Z start) {
    for (int k = 0; k < x->npersons; k++) {
        Z e = x->persons[k].e;
        if (e <= start && start <= e + 2) {
            int ok = 1;
            for (Z j = e; j < start; j++)
                if (!in_set(x->t[j], U" 是有才刚")) {
                    ok = 0;
                    break;
                }
            if (ok) return 1;
        }
    }
    return 0;
}

static const char32_t *const DIM_WORDS[] = {U"长", U"宽", U"高", U"深", U"厚", U"床", U"被", U"席", U"垫", U"桌",
                                            U"柜", U"沙发", U"窗帘", U"尺寸", U"大小", NULL};

/* _HOST_ASK: 主播(?:的|你)?(?:多高|身高|…|有多高) at pos: its end, or -1 */
static Z host_ask(const U *t, Z n, Z pos) {
    static const char32_t *const ASK[] = {U"多高", U"身高", U"体重", U"多重", U"几斤", U"多少斤", U"多大", U"穿的",
                                          U"穿多大", U"穿几码", U"穿什么码", U"有多高", NULL};
    if (!starts(t, n, pos, U"主播")) return -1;
    Z p = pos + 2;
    if (at(t, n, p) == U'的' || at(t, n, p) == U'你') {
        Z w = starts_any(t, n, p + 1, ASK);
        if (w > 0) return p + 1 + w;
    }
    Z w = starts_any(t, n, p, ASK);
    return w > 0 ? p + w : -1;
}

/* _host_measure: a question about the host's body ends within 8 characters before start, no
 * person word between */
static int host_measure(const Text *x, Z start) {
    const U *t = x->t;
    for (Z pos = 0; pos + 1 < x->n; pos++) {
        Z e = host_ask(t, x->n, pos);
        if (e < 0) continue;
        if (!(start - 8 <= e && e <= start)) continue;
        int between = 0;
        for (int k = 0; k < x->npersons && !between; k++) between = e <= x->persons[k].s && x->persons[k].e <= start;
        if (!between) return 1;
    }
    return 0;
}

/* _is_product_measure (with _host_measure, _near and _DIM_AFTER: 的?(?:长|宽|…) at end) */
static int product_measure(const Text *x, Z start, Z end) {
    if (host_measure(x, start)) return 1;
    for (int k = 0; k < x->nproducts; k++) {
        Z s = x->products[k].s, e = x->products[k].e;
        if ((start - 8 <= e && e <= start) || (end <= s && s <= end + 3)) return !person_before(x, start);
    }
    const U *t = x->t;
    if (start > 0 && t[start - 1] == U'有' && !person_before(x, start)) return 1; /* 有一米五的吗 */
    if (at(t, x->n, end) == U'的' && starts_any(t, x->n, end + 1, DIM_WORDS) >= 0) return 1;
    return starts_any(t, x->n, end, DIM_WORDS) >= 0;
}

/* _FIT_WORDS.search: 码|穿|尺|能穿|会长|会短|偏大|偏小|合身|[sml](?![a-z])|xl */
static int fit_words(const U *t, Z n) {
    static const char32_t *const W[] = {U"码", U"穿", U"尺", U"会长", U"会短", U"偏大", U"偏小", U"合身", U"xl", NULL};
    for (Z i = 0; i < n; i++) {
        if (starts_any(t, n, i, W) >= 0) return 1;
        if (in_set(t[i], U"sml") && !is_az(at(t, n, i + 1))) return 1;
    }
    return 0;
}

static int price_words(const U *t, Z n) {
    static const char32_t *const W[] = {U"价", U"钱", U"元", U"块", U"券", U"优惠", U"便宜", U"贵", U"包邮", U"运费", NULL};
    for (Z i = 0; i < n; i++)
        if (starts_any(t, n, i, W) >= 0) return 1;
    return 0;
}

/* ---- _weights ------------------------------------------------------------------------------ */
static const char32_t *const KG_UNITS[] = {U"kg", U"公斤", U"千克", NULL};
static const char32_t *const TAIL_WORDS[] = {U"装", U"的量", U"一箱", U"一袋", U"重", NULL};
static const char32_t *const LABEL_WORDS[] = {U"是", U"有", U"大概", U"大约", NULL};
static const char32_t *const WEIGHT_UNITS[] = {U"斤", U"kg", U"公斤", U"千克", NULL};

/* digits of a run of 1-3 at i, then (?:\.\d)?: end of the number or -1 */
static Z num_1to3_dot(const U *t, Z n, Z i) {
    Z r = digit_run(t, n, i);
    if (r < 1 || r > 3) return -1;
    Z e = i + r;
    if (at(t, n, e) == '.' && is_digit(at(t, n, e + 1))) return e + 2;
    return e;
}

static int weights(const Tables *tb, Text *x, Vals *out) {
    const U *t = x->t;
    Z n = x->n;
    (void)tb;
    out->n = 0;
    if (has_char(t, n, U'斤')) {
        /* (?<![\d.])(\d{1,3}(?:\.\d)?)\s*(多)?\s*斤 */
        for (Z i = 0; i < n;) {
            if (i > 0 && is_dd(t[i - 1])) { i++; continue; }
            Z e = num_1to3_dot(t, n, i), g = e;
            if (e < 0) { i++; continue; }
            /* with (?:\.\d) taken, what follows must fit; without it, "." follows: no match */
            Z p = skip_spaces(t, n, e);
            if (at(t, n, p) == U'多' || at(t, n, p) == U'来') p = skip_spaces(t, n, p + 1);
            if (at(t, n, p) != U'斤') { i++; continue; }
            Z end = p + 1;
            if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
            Z q = skip_spaces(t, n, end);
            if (!product_measure(x, i, end) && starts_any(t, n, q, TAIL_WORDS) < 0) {
                double v = to_float(t, i, g) / 2;
                if (v >= WEIGHT_LO && v <= WEIGHT_HI) ADD(out, v, i, end);
            }
            i = end;
        }
    }
    /* (?<![\d.])(\d{1,3}(?:\.\d)?)\s*(?:kg|公斤|千克)(?![a-z]) */
    for (Z i = 0; i < n;) {
        if (!is_digit(t[i]) || (i > 0 && is_dd(t[i - 1]))) { i++; continue; }
        Z e = num_1to3_dot(t, n, i);
        if (e < 0) { i++; continue; }
        Z p = skip_spaces(t, n, e);
        Z u = starts_any(t, n, p, KG_UNITS);
        if (u < 0 || is_az(at(t, n, p + u))) { i++; continue; }
        Z end = p + u;
        if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
        if (!product_measure(x, i, end)) {
            double v = to_float(t, i, e);
            if (v >= WEIGHT_LO && v <= WEIGHT_HI) ADD(out, v, i, end);
        }
        i = end;
    }
    if (contains(t, n, U"体重")) {
        /* 体重\s*(?:是|有|大概|大约)?\s*(\d{2,3})(?![\d.]|\s*(?:斤|kg|公斤|千克)) */
        for (Z i = 0; i < n;) {
            if (!starts(t, n, i, U"体重")) { i++; continue; }
            Z p = skip_spaces(t, n, i + 2);
            Z w = starts_any(t, n, p, LABEL_WORDS);
            if (w > 0) p = skip_spaces(t, n, p + w);
            Z r = digit_run(t, n, p);
            Z e = p + r;
            if (r < 2 || r > 3 || at(t, n, e) == '.' ||
                starts_any(t, n, skip_spaces(t, n, e), WEIGHT_UNITS) >= 0) { i++; continue; }
            double v = (double)to_int(t, p, e);
            v = v >= 80 ? v / 2 : v;
            if (v >= WEIGHT_LO && v <= WEIGHT_HI) ADD(out, v, p, e);
            i = e;
        }
    }
    return HOT_OK;
}

/* ---- _heights ------------------------------------------------------------------------------ */
static const char32_t *const CM_UNITS[] = {U"cm", U"公分", U"厘米", NULL};
static const char32_t *const CM_NOT_HEIGHT[] = {U"脚长", U"脚", U"腰围", U"胸围", U"臀围", U"肩宽", U"衣长", U"裤长",
                                                U"袖长", U"长", U"宽", U"深", U"直径", U"高", NULL};
static const char32_t *const BARE_NOT_HEIGHT[] = {U"链接", U"号", U"第", U"#", U"价", U"钱", U"满", U"减", U"¥", U"￥", NULL};
static const char32_t *const SIZE_WORDS_BEFORE[] = {U"穿", U"拿", U"要", U"选", U"买", U"换", U"码", U"尺码", U"还是",
                                                    U"或者", U"或", U"和", U"到", U"超过", NULL};
/* _NOT_AFTER_NUMBER */
static const char32_t *const NOT_AFTER_NUMBER[] = {
    U"斤", U"kg", U"公斤", U"千克", U"码", U"号", U"元", U"块", U"米", U"cm", U"公分", U"厘米", U"g", U"ml", U"w", U"岁",
    U"个", U"件", U"包", U"盒", U"瓶", U"%", U"mah", U"万", U"度", U"天", U"分", U"次", U"毫", U"寸", U"克", U"期", U"条", NULL};
static const char32_t *const HEIGHT_TAIL[] = {U"的个子", U"个子", U"左右", U"的身高", NULL};
static const char32_t *const CHILD_WORDS[] = {U"孩子", U"儿子", U"女儿", U"闺女", U"娃", U"宝宝", U"小孩", U"小朋友", U"孙子",
                                              U"孙女", U"侄子", U"侄女", U"外甥", U"外甥女", NULL};

/* \s*[多来]?\s*{_NOT_AFTER_NUMBER} at end */
static int unit_follows(const U *t, Z n, Z end) {
    Z q = skip_spaces(t, n, end);
    if (at(t, n, q) == U'多' || at(t, n, q) == U'来') q = skip_spaces(t, n, q + 1);
    return starts_any(t, n, q, NOT_AFTER_NUMBER) >= 0;
}

/* t[s:e] is one of CHILD_WORDS */
static int child_word(const U *t, Z s, Z e) {
    for (int k = 0; CHILD_WORDS[k]; k++)
        if (wlen(CHILD_WORDS[k]) == e - s && starts(t, e, s, CHILD_WORDS[k])) return 1;
    return 0;
}

/* t[a:b].rstrip() ends with one of ws */
static int rstripped_ends(const U *t, Z a, Z b, const char32_t *const *ws) {
    while (b > a && is_space(t[b - 1])) b--;
    for (int k = 0; ws[k]; k++) {
        Z m = wlen(ws[k]);
        if (b - a >= m && ends_at(t, b, ws[k])) return 1;
    }
    return 0;
}

static int rstripped_ends1(const U *t, Z a, Z b, const char32_t *w) {
    const char32_t *ws[2] = {w, NULL};
    return rstripped_ends(t, a, b, ws);
}

/* _WEIGHT_AHEAD.match at p: [\s/,，、]*\d{2,3}(?:\.\d)?\s*多?\s*(?:斤|kg|公斤|千克) */
static int weight_ahead(const U *t, Z n, Z p) {
    while (p < n && (is_space(t[p]) || in_set(t[p], U"/,，、"))) p++;
    Z r = digit_run(t, n, p);
    if (r < 2 || r > 3) return 0;
    Z e = p + r;
    if (at(t, n, e) == '.' && is_digit(at(t, n, e + 1))) e += 2;
    e = skip_spaces(t, n, e);
    if (at(t, n, e) == U'多' || at(t, n, e) == U'来') e = skip_spaces(t, n, e + 1);
    return starts_any(t, n, e, WEIGHT_UNITS) >= 0;
}

static int no_unit_after(const U *t, Z n, Z e);

/* _bare_pair: a height of 140-199 at [start, end) followed by a weight without unit */
static int bare_pair(const U *t, Z n, Z start, Z end) {
    Z p = end;
    if (is_space(at(t, n, p))) p++;
    if (in_set(at(t, n, p), U"/,，、")) p++;
    if (is_space(at(t, n, p))) p++;
    Z r = digit_run(t, n, p);
    if (r < 2 || r > 3 || !no_unit_after(t, n, p + r) || p == end) return 0;
    long h = to_int(t, start, end), w = to_int(t, p, p + r);
    return h >= 140 && h <= 199 && w >= 35 && w <= 250 && !price_words(t, n);
}

static int span_has_start(const Vals *vs, Z start) {
    for (int k = 0; k < vs->n; k++)
        if (vs->a[k].sp.s <= start && start < vs->a[k].sp.e) return 1;
    return 0;
}

static const U BOUNDARY[] = {' ', ',', U'，', U'。', '.', '!', U'！', '?', U'？', '~', U'、', ';', U'；', ':', U'：', 0};

static int heights(const Tables *tb, Text *x, int has_weight, Vals *out) {
    const U *t = x->t;
    Z n = x->n;
    int fit = -1; /* _FIT_WORDS.search, on first use */
    out->n = 0;
    if (contains(t, n, U"身高")) {
        /* 身高\s*(?:是|有|大概|大约)?\s*(\d{2,3})(?![\d.]) */
        for (Z i = 0; i < n;) {
            if (!starts(t, n, i, U"身高")) { i++; continue; }
            Z p = skip_spaces(t, n, i + 2);
            Z w = starts_any(t, n, p, LABEL_WORDS);
            if (w > 0) p = skip_spaces(t, n, p + w);
            Z r = digit_run(t, n, p);
            Z e = p + r;
            if (r < 2 || r > 3 || at(t, n, e) == '.') { i++; continue; }
            ADD(out, (double)to_int(t, p, e), p, e);
            i = e;
        }
    }
    if (has_char(t, n, U'米')) {
        /* (?<![\d.])([12])米(\d{1,2})?(?![\d.]) */
        for (Z i = 0; i < n;) {
            if (!(t[i] == '1' || t[i] == '2') || (i > 0 && is_dd(t[i - 1])) || at(t, n, i + 1) != U'米') { i++; continue; }
            Z d = digit_run(t, n, i + 2);
            Z e = i + 2 + d;
            if (d > 2 || at(t, n, e) == '.') { i++; continue; }
            long value;
            int ok = 1;
            if (d == 0) {
                if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
                if (!(x->npersons || has_weight) || t[i] != '1') ok = 0;
                value = 100;
            } else {
                long dv = to_int(t, i + 2, e);
                value = 100 * (long)(t[i] - '0') + (d == 1 ? dv * 10 : dv);
            }
            if (ok) {
                if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
                if (!product_measure(x, i, e)) ADD(out, (double)value, i, e);
            }
            i = e;
        }
    }
    if (has_char(t, n, '.')) {
        /* (?<![\d.])(1\.\d{1,2}|2\.[0-2]\d?)(米|m(?![a-z]))?(?![\d.]) */
        for (Z i = 0; i < n;) {
            if (i > 0 && is_dd(t[i - 1])) { i++; continue; }
            Z g = -1;
            if (t[i] == '1' && at(t, n, i + 1) == '.') {
                Z d = digit_run(t, n, i + 2);
                if (d >= 1 && d <= 2) g = i + 2 + d;
            } else if (t[i] == '2' && at(t, n, i + 1) == '.' && in_set(at(t, n, i + 2), U"012")) {
                Z d = digit_run(t, n, i + 2);
                if (d >= 1 && d <= 2) g = i + 2 + d;
            }
            if (g < 0 || at(t, n, g) == '.') { i++; continue; }
            Z e = g;
            U c = at(t, n, g);
            if ((c == U'米' || (c == 'm' && !is_az(at(t, n, g + 1)))) && !is_dd(at(t, n, g + 1))) e = g + 1;
            if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
            if (!product_measure(x, i, e)) {
                int ok = 1;
                if (!(has_weight || person_before(x, i))) {
                    if (fit < 0) fit = fit_words(t, n);
                    ok = fit;
                }
                if (ok) ADD(out, nearbyint(to_float(t, i, g) * 100), i, e);
            }
            i = e;
        }
    }
    int cm_gate = 0;
    for (Z i = 0; i < n && !cm_gate; i++) cm_gate = starts_any(t, n, i, CM_UNITS) >= 0;
    if (cm_gate) {
        /* (?<![\d.])(\d{2,3})\s*(?:cm|公分|厘米) */
        for (Z i = 0; i < n;) {
            if (!is_digit(t[i]) || (i > 0 && is_dd(t[i - 1]))) { i++; continue; }
            Z r = digit_run(t, n, i);
            Z p = skip_spaces(t, n, i + r);
            Z u = starts_any(t, n, p, CM_UNITS);
            if (r < 2 || r > 3 || u < 0) { i++; continue; }
            Z end = p + u;
            Z a = i - 3 > 0 ? i - 3 : 0;
            if (!(rstripped_ends(t, a, i, CM_NOT_HEIGHT) && !rstripped_ends1(t, a, i, U"身高"))) {
                if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
                if (!product_measure(x, i, end)) ADD(out, (double)to_int(t, i, i + r), i, end);
            }
            i = end;
        }
    }
    /* (?<![\d.#a-z])(1[3-9]\d|2[0-2]\d)(?![\d.]|\s*{_NOT_AFTER_NUMBER}) */
    for (Z i = 0; i + 3 <= n;) {
        U c0 = t[i], c1 = t[i + 1];
        int shape = (c0 == '1' && c1 >= '3' && c1 <= '9') || (c0 == '2' && c1 >= '0' && c1 <= '2');
        U prev = at(t, n, i - 1);
        if (!shape || !is_digit(t[i + 2]) || (i > 0 && (is_dd(prev) || prev == '#' || is_az(prev)))) { i++; continue; }
        Z end = i + 3;
        if (is_dd(at(t, n, end)) || unit_follows(t, n, end)) { i++; continue; }
        if (!span_has_start(out, i)) {
            Z a = i - 6 > 0 ? i - 6 : 0;
            int wf = weight_ahead(t, n, end) || bare_pair(t, n, i, end);
            if (!(rstripped_ends(t, a, i, SIZE_WORDS_BEFORE) || (!wf && rstripped_ends(t, a, i, BARE_NOT_HEIGHT)))) {
                long value = to_int(t, i, end);
                if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
                int person = person_before(x, i);
                int ok = wf || person || starts_any(t, n, skip_spaces(t, n, end), HEIGHT_TAIL) >= 0;
                if (!ok && value >= 140 && value <= 199 && (i == 0 || in_set(t[i - 1], BOUNDARY))) {
                    if (fit < 0) fit = fit_words(t, n);
                    ok = fit && !price_words(t, n);
                }
                if (ok && (person || !product_measure(x, i, end))) ADD(out, (double)value, i, end);
            }
        }
        i = end;
    }
    /* _child_heights: (?<![\d.#a-z])(\d{2,3})(?![\d.]|\s*[多来]?\s*{_NOT_AFTER_NUMBER}), 50-129 */
    for (Z i = 0; i < n;) {
        U prev = at(t, n, i - 1);
        Z r = digit_run(t, n, i);
        if (r < 2 || r > 3 || (i > 0 && (is_dd(prev) || prev == '#' || is_az(prev)))) { i++; continue; }
        Z end = i + r;
        if (is_dd(at(t, n, end)) || unit_follows(t, n, end)) { i++; continue; }
        long value = to_int(t, i, end);
        int clash = 0;
        for (int k = 0; k < out->n && !clash; k++) clash = out->a[k].sp.s < end && i < out->a[k].sp.e;
        if (value >= 50 && value <= 129 && !clash) {
            if (hot_hits(tb, x) != HOT_OK) return HOT_FALLBACK;
            int child = 0;
            for (int k = 0; k < x->npersons && !child; k++) {
                Z ps = x->persons[k].s, pe = x->persons[k].e;
                if (!child_word(t, ps, pe) || !(pe <= i && i <= pe + 2)) continue;
                child = 1;
                for (Z j = pe; j < i; j++)
                    if (!in_set(t[j], U" 是有才刚")) child = 0;
            }
            if ((child || weight_ahead(t, n, end)) && !product_measure(x, i, end)) ADD(out, (double)value, i, end);
        }
        i = end;
    }
    /* keep the ones within HEIGHT_RANGE */
    int w = 0;
    for (int k = 0; k < out->n; k++)
        if (out->a[k].v >= HEIGHT_LO && out->a[k].v <= HEIGHT_HI) out->a[w++] = out->a[k];
    out->n = w;
    return HOT_OK;
}

/* ---- _implied_weights ------------------------------------------------------------------------ */
static const char32_t *const NO_UNIT_AFTER[] = {U"斤", U"kg", U"公斤", U"千克", U"cm", U"公分", U"厘米", U"码", U"号", U"元",
                                                U"块", U"岁", U"米", U"%", U"的脚", U"脚", U"个", U"件", NULL};

/* _NO_UNIT_AFTER at e: (?![\d.]|\s*(?:斤|…|的?脚|个|件)) */
static int no_unit_after(const U *t, Z n, Z e) {
    return !is_dd(at(t, n, e)) && starts_any(t, n, skip_spaces(t, n, e), NO_UNIT_AFTER) < 0;
}

static int implied_weights(const Text *x, const Vals *hs, Vals *out) {
    const U *t = x->t;
    Z n = x->n;
    Vals found;
    found.n = 0;
    for (int k = 0; k < hs->n; k++) {
        /* _PAIR_WEIGHT.match at the height's end: \s?[/,，、]?\s?(\d{2,3}) + _NO_UNIT_AFTER */
        Z end = hs->a[k].sp.e, p = end;
        if (is_space(at(t, n, p))) p++;
        if (in_set(at(t, n, p), U"/,，、")) p++;
        if (is_space(at(t, n, p))) p++;
        Z r = digit_run(t, n, p);
        if (r < 2 || r > 3 || !no_unit_after(t, n, p + r)) continue;
        if (hs->a[k].v >= 130 && p > end) ADD(&found, (double)to_int(t, p, p + r), p, p + r);
    }
    if (hs->n == 0 && has_char(t, n, U'我')) {
        /* 我\s?(\d{2,3}) + _NO_UNIT_AFTER, finditer */
        for (Z i = 0; i < n;) {
            if (t[i] != U'我') { i++; continue; }
            Z p = i + 1;
            if (is_space(at(t, n, p))) p++;
            Z r = digit_run(t, n, p);
            if (r < 2 || r > 3 || !no_unit_after(t, n, p + r)) { i++; continue; }
            long v = to_int(t, p, p + r);
            if (v >= 80 && v <= 139) ADD(&found, (double)v, p, p + r);
            i = p + r;
        }
    }
    out->n = 0;
    for (int k = 0; k < found.n; k++) {
        double v = found.a[k].v;
        v = v >= 80 ? v / 2 : v;
        if (v >= WEIGHT_LO && v <= WEIGHT_HI && v >= 35) ADD(out, v, found.a[k].sp.s, found.a[k].sp.e);
    }
    return HOT_OK;
}

/* ---- sizes ----------------------------------------------------------------------------------- */
static const int KIDS_SIZES[] = {52, 59, 66, 73, 80, 90, 100, 110, 120, 130, 140, 150, 160, 165, 170, 175, 0};

/* canonical_size of a token as the size rules find it (letters lower-case, no spaces) */
int size_canonical(const U *tok, Z len, U *out) {
    if (len >= 1 && tok[len - 1] == U'码') len--; /* removesuffix("码").removesuffix("号") */
    if (len >= 1 && tok[len - 1] == U'号') len--;
    if ((len == 1 && tok[0] == U'均') || (len == 2 && tok[0] == U'均' && tok[1] == U'码')) {
        out[0] = U'均';
        out[1] = U'码';
        return 2;
    }
    if (len == 0) return 0;
    /* ([2-6]?)(x*)([sml]) */
    Z k = 0;
    int digit = 0;
    if (tok[0] >= '2' && tok[0] <= '6') {
        digit = (int)(tok[0] - '0');
        k = 1;
    }
    Z xs = 0;
    while (k + xs < len && tok[k + xs] == 'x') xs++;
    if (k + xs == len - 1 && in_set(tok[len - 1], U"sml")) {
        U letter = tok[len - 1];
        if (letter == 'm') {
            if (digit || xs) return 0;
            out[0] = 'M';
            return 1;
        }
        int count = digit ? digit : (int)xs;
        U up = letter - 32;
        if (count == 0) {
            out[0] = up;
            return 1;
        }
        if (digit && xs != 1) return 0;
        int m = 0;
        if (count > 1) {
            char tmp[16];
            int w = snprintf(tmp, sizeof tmp, "%d", count);
            for (int j = 0; j < w && m < 8; j++) out[m++] = (U)tmp[j];
        }
        out[m++] = 'X';
        out[m++] = up;
        return m;
    }
    /* (\d{2,3})(\.5)? */
    Z r = digit_run(tok, len, 0);
    int half = 0;
    if (r >= 2 && r <= 3 && r == len) half = 0;
    else if (r >= 2 && r <= 3 && len == r + 2 && tok[r] == '.' && tok[r + 1] == '5') half = 1;
    else return 0;
    double v = (double)to_int(tok, 0, r) + (half ? 0.5 : 0.0);
    int ok = v >= 13.0 && v <= 48.0;
    if (!ok && !half)
        for (int j = 0; KIDS_SIZES[j]; j++)
            if ((long)v == KIDS_SIZES[j]) ok = 1;
    if (!ok) return 0;
    for (Z j = 0; j < len; j++) out[j] = tok[j];
    return (int)len;
}

typedef struct {
    U s[12];
    int len;
} Size;

typedef struct {
    Size a[MAXM];
    int n;
} Sizes;

static int sizes_add(Sizes *ss, const U *s, int len) {
    if (len <= 0) return 0;
    if (ss->n >= MAXM) return -1;
    memcpy(ss->a[ss->n].s, s, (size_t)len * sizeof(U));
    ss->a[ss->n].len = len;
    ss->n++;
    return 0;
}

#define ADD_SIZE(ss, s, len)                                                                       \
    do {                                                                                           \
        if (sizes_add((ss), (s), (len)) < 0) return HOT_FALLBACK;                                  \
    } while (0)

/* the canonical form of t[s:e] added when there is one */
static int add_canonical(Sizes *ss, const U *t, Z s, Z e) {
    U out[12];
    if (e - s > 8) return 0;
    int m = size_canonical(t + s, e - s, out);
    return m ? sizes_add(ss, out, m) : 0;
}

/* The letter-size alternatives at i, in order: [2-6]?x{1,4}l, ([2-3]? when lead23)x{1,3}s, [sml],
 * and 均码 when with_junma. Each gives at most one end; ends[k] is -1 when it does not match. */
static void letter_ends(const U *t, Z n, Z i, int lead23, int with_junma, Z ends[4]) {
    Z j = i + (t[i] >= '2' && t[i] <= '6');
    Z c = 0;
    while (j + c < n && t[j + c] == 'x') c++;
    ends[0] = (c >= 1 && c <= 4 && at(t, n, j + c) == 'l') ? j + c + 1 : -1;
    j = i + (lead23 && (t[i] == '2' || t[i] == '3'));
    c = 0;
    while (j + c < n && t[j + c] == 'x') c++;
    ends[1] = (c >= 1 && c <= 3 && at(t, n, j + c) == 's') ? j + c + 1 : -1;
    ends[2] = in_set(t[i], U"sml") ? i + 1 : -1;
    ends[3] = (with_junma && starts(t, n, i, U"均码")) ? i + 2 : -1;
}

/* _LETTER_SIZE.finditer: (?<![a-z0-9.几])([2-6]?x{1,4}l|[2-3]?x{1,3}s|[sml]|均码)(?:码|号)?(?![a-z]) */
static int letter_sizes(const U *t, Z n, Sizes *ss) {
    for (Z i = 0; i < n;) {
        U prev = at(t, n, i - 1);
        if (i > 0 && (is_az(prev) || is_dd(prev) || prev == U'几')) { i++; continue; }
        Z ends[4];
        letter_ends(t, n, i, 1, 1, ends);
        Z e = -1;
        for (int k = 0; k < 4 && e < 0; k++) {
            if (ends[k] < 0) continue;
            U nx = at(t, n, ends[k]);
            if (nx == U'码' || nx == U'号' || !is_az(nx)) e = ends[k];
        }
        if (e < 0) { i++; continue; }
        if (add_canonical(ss, t, i, e) < 0) return HOT_FALLBACK;
        i = e; /* a suffix 码/号 is never where a size starts: continuing before or after it is alike */
    }
    return HOT_OK;
}

static int is_free(const Span *taken, int nt, Z s, Z e) {
    for (int k = 0; k < nt; k++)
        if (taken[k].s < e && s < taken[k].e) return 0;
    return 1;
}

/* \d{2,3}(?:\.5)? at p where the run must end the number: end of it (with .5 when there), or -1 */
static Z num_23_half(const U *t, Z n, Z p) {
    Z r = digit_run(t, n, p);
    if (r < 2 || r > 3) return -1;
    Z e = p + r;
    if (at(t, n, e) == '.' && at(t, n, e + 1) == '5') return e + 2;
    return e;
}

static const char32_t *const SIZE_AFTER_WORDS[] = {
    U"穿", U"拿", U"要", U"选", U"买", U"换", U"平时", U"平常", U"平时穿", U"平常穿", U"拍了", U"已拍", U"已下单", U"下单",
    U"备注", U"还是", U"或者", U"或", U"穿的", U"拿的", U"还有", U"有", NULL};
static const char32_t *const AFTER_BAD[] = {U"斤", U"kg", U"公斤", U"千克", U"cm", U"公分", U"厘米", U"岁", U"个", U"元",
                                            U"块", U"米", U"号链接", U"度", U"g", U"ml", U"w", NULL};
static const char32_t *const BEFORE_WORDS[] = {U"的", U"还有", U"没了", U"没有", U"没货", U"有吗", U"有没有", U"会不会", U"偏",
                                               U"没抢到", U"抢不到", U"断货", U"卖完", U"还补", U"会补", U"合适", NULL};
static const char32_t *const SHOE_BAD[] = {U"斤", U"kg", U"公斤", U"千克", U"岁", U"cm", U"公分", U"厘米", U"元", U"块",
                                           U"米", U"号链接", U"度", NULL};
static const char32_t *const COLOR_BAD[] = {U"斤", U"kg", U"公斤", U"cm", U"米", U"元", U"块", NULL};
static const char32_t *const UNIT_BAD[] = {U"链接", U"色", U"发", U"到", U"前", U"后", NULL};
static const char32_t *const CONNECTORS[] = {U"还是", U"或者", U"或", NULL};

/* (?![\d.]|\s*(?:words)) at e */
static int not_followed(const U *t, Z n, Z e, const char32_t *const *bad) {
    return !is_dd(at(t, n, e)) && starts_any(t, n, skip_spaces(t, n, e), bad) < 0;
}

/* a first character of SIZE_AFTER_WORDS */
static inline int size_after_first(U c) {
    switch (c) {
    case U'穿': case U'拿': case U'要': case U'选': case U'买': case U'换': case U'平': case U'拍':
    case U'已': case U'下': case U'备': case U'还': case U'或': case U'有':
        return 1;
    default:
        return 0;
    }
}

/* extract._sizes (digits 0: the letter sizes only) */
static int sizes(const U *t, Z n, const Span *taken, int nt, const ColorHit *colors, int ncolors, Sizes *ss,
                 int digits) {
    ss->n = 0;
    int letters = 0;
    for (Z i = 0; i < n && !letters; i++) letters = in_set(t[i], U"smlx") || starts(t, n, i, U"均码");
    if (letters && letter_sizes(t, n, ss) != HOT_OK) return HOT_FALLBACK;
    if (!digits) return HOT_OK;
    if (has_char(t, n, U'码') || has_char(t, n, U'号')) {
        /* (?<![\d.])(\d{2,3}(?:\.5)?)\s*(码|号)(?!链接|色|发|到|前|后) */
        for (Z i = 0; i < n;) {
            if (i > 0 && is_dd(t[i - 1])) { i++; continue; }
            Z e = num_23_half(t, n, i);
            if (e < 0) { i++; continue; }
            Z p = skip_spaces(t, n, e);
            if (!(at(t, n, p) == U'码' || at(t, n, p) == U'号') || starts_any(t, n, p + 1, UNIT_BAD) >= 0) { i++; continue; }
            double v = to_float(t, i, e);
            if (!(t[p] == U'号' && !(v >= 33 && v <= 46)) && is_free(taken, nt, i, e))
                if (add_canonical(ss, t, i, e) < 0) return HOT_FALLBACK;
            i = p + 1;
        }
    }
    /* _NUM_SIZE_AFTER: (?:穿|拿|…|有)\s*(\d{2,3}(?:\.5)?)(?![\d.]|\s*(?:斤|…|w)) */
    for (Z i = 0; i < n;) {
        Z s = -1, e = -1;
        for (int k = 0; size_after_first(t[i]) && SIZE_AFTER_WORDS[k]; k++) {
            if (!starts(t, n, i, SIZE_AFTER_WORDS[k])) continue;
            Z p = skip_spaces(t, n, i + wlen(SIZE_AFTER_WORDS[k]));
            Z q = num_23_half(t, n, p);
            if (q >= 0 && not_followed(t, n, q, AFTER_BAD)) {
                s = p;
                e = q;
                break;
            }
        }
        if (s < 0) { i++; continue; }
        if (is_free(taken, nt, s, e))
            if (add_canonical(ss, t, s, e) < 0) return HOT_FALLBACK;
        i = e;
    }
    /* _NUM_SIZE_BEFORE: (?<![\d.#])(\d{2,3}(?:\.5)?)(?=\s*(?:的|还有|…|偏)) */
    for (Z i = 0; i < n;) {
        if (i > 0 && (is_dd(t[i - 1]) || t[i - 1] == '#')) { i++; continue; }
        Z e = num_23_half(t, n, i);
        if (e < 0 || starts_any(t, n, skip_spaces(t, n, e), BEFORE_WORDS) < 0) { i++; continue; }
        if (is_free(taken, nt, i, e) && to_float(t, i, e) >= 33)
            if (add_canonical(ss, t, i, e) < 0) return HOT_FALLBACK;
        i = e;
    }
    if (has_char(t, n, U'我')) {
        /* 我\s*(\d{2}(?:\.5)?)(?![\d.]|\s*(?:斤|…|度)) */
        for (Z i = 0; i < n;) {
            if (t[i] != U'我') { i++; continue; }
            Z p = skip_spaces(t, n, i + 1);
            if (!is_digit(at(t, n, p)) || !is_digit(at(t, n, p + 1))) { i++; continue; }
            Z e = p + 2;
            if (at(t, n, e) == '.' && at(t, n, e + 1) == '5') e += 2;
            if (!not_followed(t, n, e, SHOE_BAD)) { i++; continue; }
            double v = to_float(t, p, e);
            if (is_free(taken, nt, p, e) && v >= 33 && v <= 46) ADD_SIZE(ss, t + p, (int)(e - p));
            i = e;
        }
    }
    for (int k = 0; k < ncolors; k++) {
        /* _AFTER_COLOR.match at the colour's end: 的?\s?(\d{2,3}(?:\.5)?)(?![\d.]|\s*(?:斤|kg|公斤|cm|米|元|块)) */
        Z p = colors[k].e;
        if (at(t, n, p) == U'的') p++;
        if (is_space(at(t, n, p))) p++;
        Z e = num_23_half(t, n, p);
        if (e < 0 || !not_followed(t, n, e, COLOR_BAD) || !is_free(taken, nt, p, e)) continue;
        if (add_canonical(ss, t, p, e) < 0) return HOT_FALLBACK;
    }
    if (contains(t, n, U"还是") || has_char(t, n, U'或')) {
        /* (?<![\d.])(\d{2,3}(?:\.5)?)\s*(?:还是|或者|或)\s*(\d{2,3}(?:\.5)?)(?![\d.]) */
        for (Z i = 0; i < n;) {
            if (i > 0 && is_dd(t[i - 1])) { i++; continue; }
            Z e1 = num_23_half(t, n, i);
            Z p = e1 < 0 ? -1 : skip_spaces(t, n, e1);
            Z c = p < 0 ? -1 : starts_any(t, n, p, CONNECTORS);
            Z q = c < 0 ? -1 : skip_spaces(t, n, p + c);
            Z e2 = q < 0 ? -1 : num_23_half(t, n, q);
            if (e2 < 0 || is_dd(at(t, n, e2))) { i++; continue; }
            if (is_free(taken, nt, i, e1))
                if (add_canonical(ss, t, i, e1) < 0) return HOT_FALLBACK;
            if (is_free(taken, nt, q, e2))
                if (add_canonical(ss, t, q, e2) < 0) return HOT_FALLBACK;
            i = e2;
        }
    }
    return HOT_OK;
}

/* _FOOT_SIZE.finditer: (?<![\d.])(\d{2}(?:\.5)?)\s?的?\s?脚(?!长|宽|背|围|掌), 33 <= size <= 46 */
static int foot_sizes(const U *t, Z n, Sizes *ss) {
    for (Z i = 0; i < n;) {
        if ((i > 0 && is_dd(t[i - 1])) || !is_digit(t[i]) || !is_digit(at(t, n, i + 1))) { i++; continue; }
        Z e = i + 2;
        if (at(t, n, e) == '.' && at(t, n, e + 1) == '5') e += 2;
        Z p = e;
        if (is_space(at(t, n, p))) p++;
        if (at(t, n, p) == U'的') p++;
        if (is_space(at(t, n, p))) p++;
        if (at(t, n, p) != U'脚' || in_set(at(t, n, p + 1), U"长宽背围掌")) { i++; continue; }
        double v = to_float(t, i, e);
        if (v >= 33 && v <= 46) ADD_SIZE(ss, t + i, (int)(e - i));
        i = p + 1;
    }
    return HOT_OK;
}

/* ---- _link_no ---------------------------------------------------------------------------- */
static const char32_t *const L1_BAD[] = {U"号色", U"色", U"斤", U"码", U"件", U"元", U"块", U"天", U"分钟", U"小时", U"kg",
                                         U"公斤", U"cm", NULL};
static const char32_t *const L4_BAD[] = {U"链接", U"色", U"发", U"到", U"前", U"后", U"之前", U"左右", U"当天", U"的时候",
                                         U"能到", U"下午", U"晚上", U"上午", NULL};

/* one match of link pattern k at i: 1 with start of group 1 and end, else 0 */
static int link_match(const U *t, Z n, int k, Z i, Z *g, Z *end) {
    Z p, r, q;
    U prev = at(t, n, i - 1);
    switch (k) {
    case 0: /* (?<![\d.])(\d{1,3})\s*号\s*链接 */
        if (i > 0 && is_dd(prev)) return 0;
        r = digit_run(t, n, i);
        if (r < 1 || r > 3) return 0;
        p = skip_spaces(t, n, i + r);
        if (at(t, n, p) != U'号') return 0;
        q = skip_spaces(t, n, p + 1);
        if (!starts(t, n, q, U"链接")) return 0;
        *g = i;
        *end = q + 2;
        return 1;
    case 1: /* 链接\s*#?\s*(\d{1,3})(?![\d.a-z]|\s*(?:号色|色|…|cm)) */
        if (!starts(t, n, i, U"链接")) return 0;
        p = skip_spaces(t, n, i + 2);
        if (at(t, n, p) == '#') p = skip_spaces(t, n, p + 1);
        r = digit_run(t, n, p);
        if (r < 1 || r > 3) return 0;
        q = p + r;
        if (is_dd(at(t, n, q)) || is_az(at(t, n, q)) || starts_any(t, n, skip_spaces(t, n, q), L1_BAD) >= 0) return 0;
        *g = p;
        *end = q;
        return 1;
    case 2: /* #\s*(\d{1,3})(?![\d.]) */
        if (t[i] != '#') return 0;
        p = skip_spaces(t, n, i + 1);
        r = digit_run(t, n, p);
        if (r < 1 || r > 3 || at(t, n, p + r) == '.') return 0;
        *g = p;
        *end = p + r;
        return 1;
    case 3: /* 第\s*(\d{1,3})\s*个?\s*链接 */
        if (t[i] != U'第') return 0;
        p = skip_spaces(t, n, i + 1);
        r = digit_run(t, n, p);
        if (r < 1 || r > 3) return 0;
        q = skip_spaces(t, n, p + r);
        if (at(t, n, q) == U'个') q = skip_spaces(t, n, q + 1);
        if (!starts(t, n, q, U"链接")) return 0;
        *g = p;
        *end = q + 2;
        return 1;
    default: /* (?<![\d.#a-z])(\d{1,2})\s*号(?!链接|色|…|上午) */
        if (i > 0 && (is_dd(prev) || prev == '#' || is_az(prev))) return 0;
        r = digit_run(t, n, i);
        if (r < 1 || r > 2) return 0;
        p = skip_spaces(t, n, i + r);
        if (at(t, n, p) != U'号' || starts_any(t, n, p + 1, L4_BAD) >= 0) return 0;
        *g = i;
        *end = p + 1;
        return 1;
    }
}

static int32_t link_no(const U *t, Z n, const Span *taken, int nt) {
    static const char32_t *const GATES[] = {U"链接", U"链接", U"#", U"第", U"号"};
    Span spans[2 * MAXM + 8];
    int ns = 0;
    long value_seen = -1;
    int distinct = 0;
    for (int k = 0; k < nt && ns < MAXM; k++) spans[ns++] = taken[k];
    for (int k = 0; k < 5; k++) {
        if (!contains(t, n, GATES[k])) continue;
        for (Z i = 0; i < n;) {
            Z g, end;
            if (!link_match(t, n, k, i, &g, &end)) { i++; continue; }
            int clash = 0;
            for (int j = 0; j < ns && !clash; j++)
                clash = (spans[j].s <= g && g < spans[j].e) || (spans[j].s <= i && i < spans[j].e);
            Z r = digit_run(t, n, g);
            long value = to_int(t, g, g + r);
            if (!clash && !(k == 4 && value > 30) && value > 0 && value < 1000) {
                if (value_seen < 0) {
                    value_seen = value;
                    distinct = 1;
                } else if (value != value_seen) {
                    distinct = 2;
                }
                if (ns >= 2 * MAXM + 8) return -2;
                spans[ns].s = (int32_t)i;
                spans[ns].e = (int32_t)end;
                ns++;
            }
            i = end;
        }
    }
    return distinct == 1 ? (int32_t)value_seen : -1;
}

/* ---- extract ----------------------------------------------------------------------------- */
/* the one distinct value, or 0 when there are none or several */
static int single_value(const Vals *vs, double *out) {
    if (vs->n == 0) return 0;
    for (int k = 1; k < vs->n; k++)
        if (vs->a[k].v != vs->a[0].v) return 0;
    *out = vs->a[0].v;
    return 1;
}

static int single_size(const Sizes *ss, Attrs *a) {
    a->size_len = 0;
    if (ss->n == 0) return 0;
    for (int k = 1; k < ss->n; k++)
        if (ss->a[k].len != ss->a[0].len || memcmp(ss->a[k].s, ss->a[0].s, (size_t)ss->a[0].len * sizeof(U)))
            return 0;
    memcpy(a->size, ss->a[0].s, (size_t)ss->a[0].len * sizeof(U));
    a->size_len = ss->a[0].len;
    return 1;
}

/* _WEIGHT_GATE: [0-9]\s*多?\s*(?:斤|kg|公斤|千克)|体重 */
static int weight_gate(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        if (starts(t, n, i, U"体重")) return 1;
        if (!is_digit(t[i])) continue;
        Z p = skip_spaces(t, n, i + 1);
        if (at(t, n, p) == U'多' || at(t, n, p) == U'来') p = skip_spaces(t, n, p + 1);
        if (starts_any(t, n, p, WEIGHT_UNITS) >= 0) return 1;
    }
    return 0;
}

/* _HEIGHT_GATE: [0-9]{2}|米|身高|[12]\.[0-9] */
static int height_gate(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        if (is_digit(t[i]) && is_digit(at(t, n, i + 1))) return 1;
        if (t[i] == U'米' || starts(t, n, i, U"身高")) return 1;
        if ((t[i] == '1' || t[i] == '2') && at(t, n, i + 1) == '.' && is_digit(at(t, n, i + 2))) return 1;
    }
    return 0;
}

int hot_extract(const Tables *tb, Text *x, Attrs *a) {
    const U *t = x->t;
    Z n = x->n;
    /* colours: the distinct canonical names */
    int32_t first = -1;
    int ndistinct = 0;
    int32_t seen[MAXM];
    for (int k = 0; k < x->ncolors; k++) {
        int32_t c = x->colors[k].canon;
        int dup = 0;
        for (int j = 0; j < ndistinct && !dup; j++) dup = seen[j] == c;
        if (!dup) seen[ndistinct++] = c;
        if (first < 0) first = c;
    }
    a->n_colors = ndistinct;
    a->color = ndistinct == 1 ? first : -1;
    a->height = -1;
    a->has_weight = 0;
    a->weight = 0;
    a->size_len = 0;
    a->link = -1;
    int has_digit = 0;
    for (Z i = 0; i < n && !has_digit; i++) has_digit = is_digit(t[i]);
    static Sizes ss; /* the GIL serialises calls */
    if (!has_digit) {
        if (sizes(t, n, NULL, 0, NULL, 0, &ss, 0) != HOT_OK) return HOT_FALLBACK;
        single_size(&ss, a);
        return HOT_OK;
    }
    static Vals ws, hs, implied;
    ws.n = hs.n = 0;
    if (weight_gate(t, n) && weights(tb, x, &ws) != HOT_OK) return HOT_FALLBACK;
    if (height_gate(t, n) && heights(tb, x, ws.n > 0, &hs) != HOT_OK) return HOT_FALLBACK;
    if (ws.n == 0) {
        if (implied_weights(x, &hs, &ws) != HOT_OK) return HOT_FALLBACK;
        if (ws.n) { /* 165 140: the second number is the weight, not a second height */
            int w = 0;
            for (int k = 0; k < hs.n; k++) {
                int clash = 0;
                for (int j = 0; j < ws.n && !clash; j++)
                    clash = hs.a[k].sp.s < ws.a[j].sp.e && ws.a[j].sp.s < hs.a[k].sp.e;
                if (!clash) hs.a[w++] = hs.a[k];
            }
            hs.n = w;
        }
    }
    (void)implied;
    Span taken[2 * MAXM];
    int nt = 0;
    for (int k = 0; k < ws.n; k++) taken[nt++] = ws.a[k].sp;
    for (int k = 0; k < hs.n; k++) taken[nt++] = hs.a[k].sp;
    if (sizes(t, n, taken, nt, x->colors, x->ncolors, &ss, 1) != HOT_OK) return HOT_FALLBACK;
    if (foot_sizes(t, n, &ss) != HOT_OK) return HOT_FALLBACK;
    double v;
    if (single_value(&ws, &v)) {
        a->has_weight = 1;
        a->weight = v;
    }
    if (single_value(&hs, &v)) a->height = (int32_t)v;
    single_size(&ss, a);
    int gate = 0;
    for (Z i = 0; i < n && !gate; i++) gate = t[i] == U'号' || t[i] == '#' || t[i] == U'第' || starts(t, n, i, U"链接");
    if (gate) {
        int32_t l = link_no(t, n, taken, nt);
        if (l == -2) return HOT_FALLBACK;
        a->link = l;
    }
    return HOT_OK;
}
