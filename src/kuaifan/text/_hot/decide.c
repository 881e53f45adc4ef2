/* The intent decision (intents.py), sentiment and spam patterns (sentiment.py). */
#include "hot.h"
#include <math.h>

enum { PRICE, SIZE_FIT, VARIANT, STOCK, LINK, SHIPPING, QUALITY, PURCHASED, AFTER_SALES, PRAISE, OTHER, N_INTENTS };
static const int PRIORITY[N_INTENTS] = {AFTER_SALES, STOCK, SIZE_FIT, PRICE, SHIPPING, LINK,
                                        VARIANT, QUALITY, PURCHASED, PRAISE, OTHER};
#define DECISIVE 2.5
#define MIN_SCORE 1.5

#define F_HAS_Q 1
#define F_HAS_Q_SIZE 2
#define F_STILL_HAVE 4
#define F_RECEIVED 8
#define F_HAISHI 16
#define F_ALT_SIZES 32
#define F_PRICE_NUMBER 64
#define F_LINK_NUMBER_Q 128
#define F_ASK_SIZE 256
#define F_ONLY_SYMBOLS 512
#define F_PRICE_DEAL 1024
#define F_SIZE_Q 2048
#define F_QUESTION_END 4096
#define F_QUALITY_A 8192
#define F_SIZE_A 16384
#define F_PRICE_A 32768

static const char32_t PUNCT_SPACE[] = U",，。!！?？ ";

/* A letter-size token at i (alternatives [2-6]?x{1,4}l | x{1,3}s | [sml]); with lookahead:
 * (?![a-z]) after it. Returns the end of the first alternative that matches, or -1. */
static Z letter_token(const U *t, Z n, Z i, int lookahead) {
    Z j = i + (t[i] >= '2' && t[i] <= '6');
    Z c = 0;
    while (j + c < n && t[j + c] == 'x') c++;
    Z ends[3];
    ends[0] = (c >= 1 && c <= 4 && at(t, n, j + c) == 'l') ? j + c + 1 : -1;
    c = 0;
    while (i + c < n && t[i + c] == 'x') c++;
    ends[1] = (c >= 1 && c <= 3 && at(t, n, i + c) == 's') ? i + c + 1 : -1;
    ends[2] = in_set(t[i], U"sml") ? i + 1 : -1;
    for (int k = 0; k < 3; k++)
        if (ends[k] >= 0 && (!lookahead || !is_az(at(t, n, ends[k])))) return ends[k];
    return -1;
}

static inline int letter_lookbehind_ok(const U *t, Z i) {
    if (i == 0) return 1;
    U p = t[i - 1];
    return !(is_az(p) || is_digit(p) || p == '.');
}

/* _SIZE_TOKEN.search on t[0:n] (a group: a string of its own) */
static int size_token(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        if (letter_lookbehind_ok(t, i) && letter_token(t, n, i, 1) >= 0) return 1;
        /* \d{2,3}(?:\.5)?\s*(?:码|号) */
        Z r = digit_run(t, n, i);
        for (Z k = r < 3 ? r : 3; k >= 2; k--) {
            Z e = i + k;
            Z ends[2] = {-1, e};
            if (at(t, n, e) == '.' && at(t, n, e + 1) == '5') ends[0] = e + 2;
            for (int h = 0; h < 2; h++) {
                if (ends[h] < 0) continue;
                U c = at(t, n, skip_spaces(t, n, ends[h]));
                if (c == U'码' || c == U'号') return 1;
            }
        }
    }
    return 0;
}

/* _HAS_VARIANT.search: group(1) as [*gs, *ge), or 0 */
static int has_variant(const U *t, Z n, Z *gs, Z *ge) {
    static const char32_t *const NOT_AFTER[] = {U"没有", U"没", U"点", U"人", U"空", U"时", U"些", U"的时候", U"优惠", U"券", NULL};
    for (Z i = 0; i < n; i++) {
        if (t[i] != U'有') continue;
        if (i > 0 && (t[i - 1] == U'还' || t[i - 1] == U'没')) continue;
        if (starts_any(t, n, i + 1, NOT_AFTER) >= 0) continue;
        for (Z L = 1; L <= 8; L++) {
            Z k = i + L; /* last character of the group */
            if (k >= n || in_set(t[k], U",，。!！?？ 还吗")) break;
            U c = at(t, n, k + 1);
            if (c == U'吗' || c == U'不' || c == U'没' || c == '?') {
                *gs = i + 1;
                *ge = k + 1;
                return 1;
            }
        }
    }
    return 0;
}

/* _HAS_AFTER.search: ([^,，。!！?？ ]{1,8}?) ?(?<!还)有(?:吗|没有|没|不|\?)\s*(?:$|[,，。!！?？ ]) */
static int has_after(const U *t, Z n, Z *gs, Z *ge) {
    static const char32_t *const ALTS[] = {U"吗", U"没有", U"没", U"不", U"?", NULL};
    for (Z s = 0; s < n; s++) {
        for (Z L = 1; L <= 8; L++) {
            Z k = s + L - 1;
            if (k >= n || in_set(t[k], PUNCT_SPACE)) break;
            Z opts[2];
            int no = 0;
            if (at(t, n, s + L) == ' ') opts[no++] = s + L + 1; /* " ?": with the space first */
            opts[no++] = s + L;
            for (int o = 0; o < no; o++) {
                Z p = opts[o];
                if (at(t, n, p) != U'有' || t[p - 1] == U'还') continue;
                for (int a = 0; ALTS[a]; a++) {
                    if (!starts(t, n, p + 1, ALTS[a])) continue;
                    Z q = p + 1 + wlen(ALTS[a]);
                    Z r = skip_spaces(t, n, q);
                    for (Z m = r; m >= q; m--) {
                        if (m == n || in_set(t[m], PUNCT_SPACE)) {
                            *gs = s;
                            *ge = s + L;
                            return 1;
                        }
                    }
                }
            }
        }
    }
    return 0;
}

/* _STILL_HAVE.search: 还有(?!别的|其他|其它|什么|优惠)[^,，。!！?？ ]{0,8}?(?:吗|没|不|\?) */
static int still_have(const U *t, Z n) {
    static const char32_t *const NOT_AFTER[] = {U"别的", U"其他", U"其它", U"什么", U"优惠", NULL};
    for (Z i = 0; i + 1 < n; i++) {
        if (!starts(t, n, i, U"还有") || starts_any(t, n, i + 2, NOT_AFTER) >= 0) continue;
        for (Z L = 0; L <= 8; L++) {
            U c = at(t, n, i + 2 + L);
            if (c == U'吗' || c == U'没' || c == U'不' || c == '?') return 1;
            if (!c || in_set(c, PUNCT_SPACE)) break;
        }
    }
    return 0;
}

/* _ALT_SIZES.search */
static int alt_sizes(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        Z ends[8];
        int ne = 0;
        if (letter_lookbehind_ok(t, i)) {
            /* every alternative of the left letter token (no lookahead on the left) */
            Z j = i + (t[i] >= '2' && t[i] <= '6'), c = 0;
            while (j + c < n && t[j + c] == 'x') c++;
            if (c >= 1 && c <= 4 && at(t, n, j + c) == 'l') ends[ne++] = j + c + 1;
            c = 0;
            while (i + c < n && t[i + c] == 'x') c++;
            if (c >= 1 && c <= 3 && at(t, n, i + c) == 's') ends[ne++] = i + c + 1;
            if (in_set(t[i], U"sml")) ends[ne++] = i + 1;
        }
        Z r = digit_run(t, n, i);
        for (Z k = r < 3 ? r : 3; k >= 2; k--) {
            if (at(t, n, i + k) == '.' && at(t, n, i + k + 1) == '5') ends[ne++] = i + k + 2;
            ends[ne++] = i + k;
        }
        for (int h = 0; h < ne; h++) {
            Z p = skip_spaces(t, n, ends[h]);
            if (at(t, n, p) == U'码' || at(t, n, p) == U'号') p = skip_spaces(t, n, p + 1);
            if (!starts(t, n, p, U"还是")) continue;
            p = skip_spaces(t, n, p + 2);
            if (p < n && letter_token(t, n, p, 1) >= 0) return 1;
            if (digit_run(t, n, p) >= 2) return 1;
        }
    }
    return 0;
}

/* _PRICE_NUMBER.search */
static int price_number(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        U c = t[i];
        if (c == U'¥' || c == U'￥') return 1;
        if (c == U'是' || c == U'就') { /* (?:是|也是|就)\s*\d{2,4}\s*(?:元|块)?\s*(?:吗|嘛|\?) */
            Z p = skip_spaces(t, n, i + 1);
            Z r = digit_run(t, n, p);
            if (r >= 2 && r <= 4) {
                Z q = skip_spaces(t, n, p + r);
                if (at(t, n, q) == U'元' || at(t, n, q) == U'块') q = skip_spaces(t, n, q + 1);
                U d = at(t, n, q);
                if (d == U'吗' || d == U'嘛' || d == '?') return 1;
            }
        }
        if (is_digit(c)) { /* \d+\s*(?:元|块钱|块) */
            Z q = skip_spaces(t, n, i + 1);
            if (at(t, n, q) == U'元' || at(t, n, q) == U'块') return 1;
        }
        if (c == U'满') { /* 满\d+减 */
            Z r = digit_run(t, n, i + 1);
            if (r >= 1 && at(t, n, i + 1 + r) == U'减') return 1;
        }
    }
    return 0;
}

/* _LINK_NUMBER_Q.search: 是\s*\d{1,2}\s*号\s*(?:吗|\?)|\d{1,2}\s*号是|#\d{1,3}\s*是 */
static int link_number_q(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        if (t[i] == U'是') {
            Z p = skip_spaces(t, n, i + 1);
            Z r = digit_run(t, n, p);
            if (r >= 1 && r <= 2) {
                Z q = skip_spaces(t, n, p + r);
                if (at(t, n, q) == U'号') {
                    q = skip_spaces(t, n, q + 1);
                    if (at(t, n, q) == U'吗' || at(t, n, q) == '?') return 1;
                }
            }
        }
        if (is_digit(t[i])) {
            Z q = skip_spaces(t, n, i + 1);
            if (starts(t, n, q, U"号是")) return 1;
        }
        if (t[i] == '#') {
            Z r = digit_run(t, n, i + 1);
            if (r >= 1 && r <= 3 && at(t, n, skip_spaces(t, n, i + 1 + r)) == U'是') return 1;
        }
    }
    return 0;
}

/* _ASK_SIZE.search: (?:求|要|蹲)\s*(?:\d?\s*(?:个|件))?\s*(?:[2-6]?x{1,4}l|x{1,3}s|[sml])(?![a-z]) */
static int ask_size(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        if (t[i] != U'求' && t[i] != U'要' && t[i] != U'蹲') continue;
        Z p = skip_spaces(t, n, i + 1);
        Z q = skip_spaces(t, n, p + (is_digit(at(t, n, p)) ? 1 : 0));
        if (at(t, n, q) != U'个' && at(t, n, q) != U'件') q = skip_spaces(t, n, p); /* \d? given back */
        Z starts_[2];
        int ns = 0;
        if (at(t, n, q) == U'个' || at(t, n, q) == U'件') starts_[ns++] = skip_spaces(t, n, q + 1);
        starts_[ns++] = p;
        for (int k = 0; k < ns; k++)
            if (starts_[k] < n && letter_token(t, n, starts_[k], 1) >= 0) return 1;
    }
    return 0;
}

/* _PRICE_DEAL.search: \d{2,4}\s*(?:元|块)?\s*(?:包邮|[一两二三]件) */
static int price_deal(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        if (!is_digit(t[i]) || is_digit(at(t, n, i + 1)) || i == 0 || !is_digit(t[i - 1])) continue;
        /* t[i] ends a run of two or more digits (\d{2,4} can end there) */
        Z p = skip_spaces(t, n, i + 1);
        if (at(t, n, p) == U'元' || at(t, n, p) == U'块') p = skip_spaces(t, n, p + 1);
        if (starts(t, n, p, U"包邮") || (in_set(at(t, n, p), U"一两二三") && at(t, n, p + 1) == U'件')) return 1;
    }
    return 0;
}

/* _SIZE_Q.search: (?:拿|穿|选)\s*(?:[2-6]?x{1,4}l|x{1,3}s|[sml]|\d{2,3}(?:\.5)?)\s*(?:码|号)?\s*就?\s*
 * (?:吗|可以|行|合适|\?) */
static int size_q(const U *t, Z n) {
    for (Z i = 0; i < n; i++) {
        if (t[i] != U'拿' && t[i] != U'穿' && t[i] != U'选') continue;
        Z p = skip_spaces(t, n, i + 1);
        if (p >= n) continue;
        Z ends[8];
        int ne = 0;
        Z j = p + (t[p] >= '2' && t[p] <= '6'), c = 0;
        while (j + c < n && t[j + c] == 'x') c++;
        if (c >= 1 && c <= 4 && at(t, n, j + c) == 'l') ends[ne++] = j + c + 1;
        c = 0;
        while (p + c < n && t[p + c] == 'x') c++;
        if (c >= 1 && c <= 3 && at(t, n, p + c) == 's') ends[ne++] = p + c + 1;
        if (in_set(t[p], U"sml")) ends[ne++] = p + 1;
        Z r = digit_run(t, n, p);
        for (Z k = r < 3 ? r : 3; k >= 2; k--) {
            if (at(t, n, p + k) == '.' && at(t, n, p + k + 1) == '5') ends[ne++] = p + k + 2;
            ends[ne++] = p + k;
        }
        for (int h = 0; h < ne; h++) {
            Z q = skip_spaces(t, n, ends[h]);
            if (at(t, n, q) == U'码' || at(t, n, q) == U'号') q = skip_spaces(t, n, q + 1);
            if (at(t, n, q) == U'就') q = skip_spaces(t, n, q + 1);
            U c0 = at(t, n, q);
            if (c0 == U'吗' || c0 == U'行' || c0 == '?' || starts(t, n, q, U"可以") || starts(t, n, q, U"合适")) return 1;
        }
    }
    return 0;
}

/* a_not_a_flags: A不A with A a CJK ideograph (any position: overlapping matches share A) */
static int a_not_a(const U *t, Z n) {
    int flags = 0;
    for (Z i = 0; i + 2 < n; i++) {
        U a = t[i];
        if (t[i + 1] != U'不' || t[i + 2] != a || a < 0x4E00 || a > 0x9FFF) continue;
        if (in_set(a, U"大小长短紧松宽肥瘦挤")) flags |= F_SIZE_A;
        else if (a == U'贵') flags |= F_PRICE_A;
        else if (!in_set(a, U"是要会能可对行算用做去来买拍发有好")) flags |= F_QUALITY_A;
    }
    return flags;
}

/* intents.text_flags (all of them; decide_flags reads F_ASK_SIZE and F_ONLY_SYMBOLS only where
 * intents.decide computes them) */
int hot_flags(const U *t, Z n) {
    int flags = 0;
    int digit = 0, hao = 0, ask = 0, shou = 0, pai = 0, price = 0, you = 0, hai = 0, deal = 0, take = 0, bu = 0;
    for (Z i = 0; i < n; i++) { /* which rules can match at all */
        switch (t[i]) {
        case U'号': case '#': hao = 1; break;
        case U'求': case U'要': case U'蹲': ask = 1; break;
        case U'收': shou = 1; break;
        case U'拍': pai = 1; break;
        case U'¥': case U'￥': price = 1; break;
        case U'有': you = 1; break;
        case U'还': hai = 1; break;
        case U'包': case U'件': deal = 1; break;
        case U'拿': case U'穿': case U'选': take = 1; break;
        case U'不': bu = 1; break;
        default: digit |= is_digit(t[i]);
        }
    }
    if (you) {
        Z gs, ge;
        if (has_variant(t, n, &gs, &ge) || has_after(t, n, &gs, &ge))
            flags = F_HAS_Q | (size_token(t + gs, ge - gs) ? F_HAS_Q_SIZE : 0);
        if (contains(t, n, U"还有") && still_have(t, n)) flags |= F_STILL_HAVE;
    }
    int received = 0;
    for (Z i = 0; i + 1 < n && !received && (shou || pai); i++) {
        if (starts(t, n, i, U"收到")) /* 收到.{0,12}(?:换|退) */
            for (Z k = i + 2; k <= i + 14 && k < n; k++)
                if (t[k] == U'换' || t[k] == U'退') {
                    received = 1;
                    break;
                }
        if (!received && starts(t, n, i, U"拍的")) /* 拍的.{1,8}发的 */
            for (Z k = i + 3; k <= i + 10; k++)
                if (starts(t, n, k, U"发的")) {
                    received = 1;
                    break;
                }
    }
    if (received) flags |= F_RECEIVED;
    if (hai && contains(t, n, U"还是")) flags |= F_HAISHI | (alt_sizes(t, n) ? F_ALT_SIZES : 0);
    if ((digit || price) && price_number(t, n)) flags |= F_PRICE_NUMBER;
    if (digit && hao && link_number_q(t, n)) flags |= F_LINK_NUMBER_Q;
    if (ask && ask_size(t, n)) flags |= F_ASK_SIZE;
    if (digit && deal && price_deal(t, n)) flags |= F_PRICE_DEAL;
    if (take && size_q(t, n)) flags |= F_SIZE_Q;
    int only = 1; /* ONLY_SYMBOLS.fullmatch: [\d\s\W_]* */
    for (Z i = 0; i < n && only; i++)
        if (Py_UNICODE_ISALNUM(t[i]) && !Py_UNICODE_ISDECIMAL(t[i]) && t[i] != '_') only = 0;
    if (only) flags |= F_ONLY_SYMBOLS;
    if (bu) flags |= a_not_a(t, n);
    if (hot_question_end(t, n)) flags |= F_QUESTION_END;
    return flags;
}

/* ---- decide ------------------------------------------------------------------------------ */
double py_round3(double x) {
    double y = x * 1000.0;
    double f = floor(y);
    double d = y - f;
    if (fabs(y) < 1e6 && fabs(d - 0.5) > 1e-6) { /* no tie within the rounding error of y */
        double r = (d < 0.5 ? f : f + 1.0) / 1000.0;
        return r == 0.0 ? copysign(0.0, x) : r;
    }
    char *s = PyOS_double_to_string(x, 'f', 3, 0, NULL); /* round(): correctly rounded digits */
    if (!s) {
        PyErr_Clear();
        return x;
    }
    double r = PyOS_string_to_double(s, NULL, NULL);
    PyMem_Free(s);
    return r;
}

static double confidence(double top, double second) {
    double margin = 0.5 + 0.5 * tanh((top - (0.0 > second ? 0.0 : second)) / 2.0);
    double strength = 1.0 - exp(-top / 2.0);
    double v = margin * strength;
    v = v < 1.0 ? v : 1.0;
    v = v > 0.0 ? v : 0.0;
    return py_round3(v);
}

static void boost(double *scores, double *strongest, int idx, double w) {
    scores[idx] += w;
    if (w > strongest[idx]) strongest[idx] = w;
}

void hot_decide(const Tables *tb, const Text *x, const Attrs *a, int ad, int *intent, double *conf) {
    double scores[N_INTENTS] = {0}, strongest[N_INTENTS] = {0};
    /* score_cues: a cue inside another cue found in the text is dropped */
    for (int k = 0; k < x->ncues; k++) {
        int32_t cue = x->cues[k].value;
        if (x->ncues > 1 && tb->supers[cue]) {
            int covered = 0;
            for (const int32_t *s = tb->supers[cue]; *s >= 0 && !covered; s++)
                for (int j = 0; j < x->ncues && !covered; j++) covered = x->cues[j].value == *s;
            if (covered) continue;
        }
        const CueWeights *cw = &tb->cue[cue];
        for (int j = 0; j < cw->n; j++) {
            scores[cw->intent[j]] += cw->weight[j];
            if (cw->weight[j] > strongest[cw->intent[j]]) strongest[cw->intent[j]] = cw->weight[j];
        }
    }
    if (ad) {
        *intent = OTHER;
        *conf = 0.9;
        return;
    }
    int flags = hot_flags(x->t, x->n);
    int any = 0;
    for (int k = 0; k < N_INTENTS; k++) any |= scores[k] != 0.0;
    if ((flags & F_ONLY_SYMBOLS) && !any) {
        *intent = OTHER;
        *conf = 0.9;
        return;
    }
    if (flags & F_HAS_Q) {
        if (a->color < 0 && ((flags & F_HAS_Q_SIZE) || a->size_len)) boost(scores, strongest, STOCK, 2.5);
        else boost(scores, strongest, VARIANT, a->color >= 0 ? 3.0 : 2.0);
    }
    if ((flags & F_STILL_HAVE) && strongest[PRICE] < 3) scores[STOCK] += 1.5;
    if (flags & F_RECEIVED) boost(scores, strongest, AFTER_SALES, 5.0);
    if (flags & F_HAISHI) {
        if (a->n_colors > 1) boost(scores, strongest, VARIANT, 6.0);
        if (flags & F_ALT_SIZES) boost(scores, strongest, SIZE_FIT, 3.5);
    }
    if (strongest[AFTER_SALES] >= 3.5) scores[SHIPPING] *= 0.5;
    if (flags & F_PRICE_NUMBER) boost(scores, strongest, PRICE, 2.5);
    if (flags & F_LINK_NUMBER_Q) boost(scores, strongest, LINK, 3.0);
    if (flags & F_PRICE_DEAL) boost(scores, strongest, PRICE, 4.5);
    if (flags & F_SIZE_Q) boost(scores, strongest, SIZE_FIT, 3.0);
    if (a->size_len && (flags & F_ASK_SIZE)) boost(scores, strongest, STOCK, 2.5);
    if (scores[PURCHASED] >= DECISIVE) {
        double question = strongest[AFTER_SALES];
        for (int k = PRICE; k < PURCHASED; k++) question = strongest[k] > question ? strongest[k] : question;
        if (question >= DECISIVE) {
            scores[PURCHASED] = 0.0;
        } else {
            double other = scores[PRICE];
            for (int k = PRICE + 1; k < PURCHASED; k++) other = scores[k] > other ? scores[k] : other;
            other = scores[AFTER_SALES] > other ? scores[AFTER_SALES] : other;
            *intent = PURCHASED;
            *conf = confidence(scores[PURCHASED], other);
            return;
        }
    }
    if (flags & F_QUALITY_A) scores[QUALITY] += 2.0;
    if (flags & F_SIZE_A) scores[SIZE_FIT] += 2.0;
    if (flags & F_PRICE_A) scores[PRICE] += 2.0;
    if (a->color >= 0 && (flags & F_QUESTION_END)) scores[VARIANT] += 1.5;
    if (a->height >= 0) scores[SIZE_FIT] += 2.0;
    if (a->has_weight) scores[SIZE_FIT] += 2.0;
    if (a->link >= 0) scores[LINK] += 1.0;
    double top = scores[0];
    for (int k = 1; k < N_INTENTS; k++) top = scores[k] > top ? scores[k] : top;
    int best = -1;
    for (int r = 0; r < N_INTENTS && best < 0; r++)
        if (scores[PRIORITY[r]] == top) best = PRIORITY[r];
    if (top < MIN_SCORE) {
        *intent = OTHER;
        *conf = top <= 0 ? 0.5 : 0.4;
        return;
    }
    /* sorted(scores)[-2]: the largest after removing one copy of the top */
    double second = -INFINITY;
    int skipped = 0;
    for (int k = 0; k < N_INTENTS; k++) {
        if (!skipped && scores[k] == top) {
            skipped = 1;
            continue;
        }
        second = scores[k] > second ? scores[k] : second;
    }
    *intent = best;
    *conf = confidence(top, second);
}

/* ---- sentiment.py's patterns ---------------------------------------------------------------- */
int hot_question_end(const U *t, Z n) {
    while (n > 0 && is_space(t[n - 1])) n--;
    return n > 0 && (t[n - 1] == U'吗' || t[n - 1] == U'么' || t[n - 1] == U'呢' || t[n - 1] == '?');
}

static int is_domain_char(U c) { return is_az(c) || is_digit(c) || c == '-'; }

/* URL: https?://|www\.|[a-z0-9-]{2,}\.(?:com|cn|net|top|xyz|cc|vip|shop)(?:[^a-z]|$) */
static int url(const U *t, Z n) {
    static const char32_t *const TLD[] = {U"com", U"cn", U"net", U"top", U"xyz", U"cc", U"vip", U"shop", NULL};
    for (Z i = 0; i < n; i++) {
        if (starts(t, n, i, U"http://") || starts(t, n, i, U"https://") || starts(t, n, i, U"www.")) return 1;
        if (t[i] != '.' || i < 2 || !is_domain_char(t[i - 1]) || !is_domain_char(t[i - 2])) continue;
        for (int k = 0; TLD[k]; k++) {
            Z e = i + 1 + wlen(TLD[k]);
            if (starts(t, n, i + 1, TLD[k]) && (e >= n || !is_az(t[e]))) return 1;
        }
    }
    return 0;
}

/* CONTACT: (?:qq|q号|…|\+v)\s*[:：号]?\s*[a-z0-9_-]{5,}|(?:^|[^0-9])1[3-9][0-9]{9}(?:[^0-9]|$) */
static int contact(const U *t, Z n) {
    static const char32_t *const IDS[] = {U"qq", U"q号", U"扣扣", U"企鹅", U"vx", U"wx", U"v信", U"微信",
                                          U"威信", U"薇信", U"加v", U"+v", NULL};
    for (Z i = 0; i < n; i++) {
        U c = t[i];
        int first = c == 'q' || c == 'v' || c == 'w' || c == '+' || c == U'扣' || c == U'企' || c == U'微' ||
                    c == U'威' || c == U'薇' || c == U'加';
        for (int k = 0; first && IDS[k]; k++) {
            if (!starts(t, n, i, IDS[k])) continue;
            Z p = skip_spaces(t, n, i + wlen(IDS[k]));
            if (in_set(at(t, n, p), U":：号")) p = skip_spaces(t, n, p + 1);
            Z r = 0;
            while (p + r < n && (is_domain_char(t[p + r]) || t[p + r] == '_')) r++;
            if (r >= 5) return 1;
        }
        if (t[i] == '1' && (i == 0 || !is_digit(t[i - 1])) && digit_run(t, n, i) == 11 && t[i + 1] >= '3' &&
            t[i + 1] <= '9')
            return 1;
    }
    return 0;
}

int hot_ad_pattern(const U *t, Z n) {
    int alnum = 0;
    for (Z i = 0; i < n && !alnum; i++) alnum = is_az(t[i]) || is_digit(t[i]);
    return alnum && (url(t, n) || contact(t, n));
}

/* is_flood: (.{1,8}?)\1{3,} matched with finditer, a match of ten or more characters */
int hot_flood(const U *t, Z n) {
    if (n < 10) return 0;
    /* len(set(text)) > len(text) - 7.5: count distinct characters (n is small here or it fails) */
    Z distinct = 0;
    for (Z i = 0; i < n; i++) {
        int seen = 0;
        for (Z j = 0; j < i && !seen; j++) seen = t[j] == t[i];
        if (!seen) distinct++;
        if ((double)distinct > (double)n - 7.5) return 0;
    }
    for (Z i = 0; i < n;) {
        Z end = -1;
        for (Z L = 1; L <= 8 && i + L <= n; L++) {
            if (t[i + L - 1] == '\n') break;
            Z reps = 0, p = i + L;
            while (p + L <= n) {
                Z k = 0;
                while (k < L && t[p + k] == t[i + k]) k++;
                if (k < L) break;
                reps++;
                p += L;
            }
            if (reps >= 3) {
                end = p;
                break;
            }
        }
        if (end < 0) {
            i++;
            continue;
        }
        if (end - i >= 10) return 1;
        i = end;
    }
    return 0;
}
