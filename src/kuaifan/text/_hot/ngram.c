/* The learned review-sentiment model (ngram_model.NgramModel.logit) in C: the bias plus the
 * exactly rounded sum (math.fsum) of the weights of the distinct character 1..3-grams of the
 * normalised text without its spaces. An exactly rounded sum does not depend on the order of the
 * terms, so this gives the same float as Python's set-ordered fsum. */
#include "hot.h"
#include <math.h>

/* up to three characters, each as code point + 1 in 21 bits: distinct grams, distinct keys, never 0 */
static inline uint64_t gram_key(const U *s, int len) {
    uint64_t k = 0;
    for (int i = 0; i < len; i++) k = (k << 21) | ((uint64_t)s[i] + 1);
    return k;
}

static inline size_t gram_slot(uint64_t key, size_t mask) {
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 24) & mask;
}

int ngram_build(NgramTable *m, PyObject *weights) {
    Z n = PyDict_GET_SIZE(weights);
    size_t size = 16;
    while (size < (size_t)n * 2 + 16) size *= 2;
    m->keys = PyMem_Calloc(size, sizeof(uint64_t));
    m->vals = PyMem_Calloc(size, sizeof(double));
    if (!m->keys || !m->vals) {
        PyErr_NoMemory();
        return -1;
    }
    m->mask = size - 1;
    PyObject *key, *value;
    Z pos = 0;
    while (PyDict_Next(weights, &pos, &key, &value)) {
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "n-gram weights: keys must be str");
            return -1;
        }
        Z len = PyUnicode_GET_LENGTH(key);
        if (len < 1 || len > 3) continue; /* never looked up with max_n 3 */
        U s[3];
        for (Z i = 0; i < len; i++) s[i] = PyUnicode_READ_CHAR(key, i);
        double w = PyFloat_AsDouble(value);
        if (w == -1.0 && PyErr_Occurred()) return -1;
        uint64_t k = gram_key(s, (int)len);
        size_t i = gram_slot(k, m->mask);
        while (m->keys[i] && m->keys[i] != k) i = (i + 1) & m->mask;
        m->keys[i] = k;
        m->vals[i] = w;
    }
    return 0;
}

void ngram_free(NgramTable *m) {
    PyMem_Free(m->keys);
    PyMem_Free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
}

static inline double gram_weight(const NgramTable *m, uint64_t k) {
    size_t i = gram_slot(k, m->mask);
    for (;;) {
        uint64_t c = m->keys[i];
        if (c == k) return m->vals[i];
        if (!c) return 0.0;
        i = (i + 1) & m->mask;
    }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* math.fsum over xs[0:n] (CPython's algorithm: Shewchuk's partials, then the half-even fix-up) */
static double fsum(const double *xs, Z n, double *p) {
    Z np = 0;
    for (Z k = 0; k < n; k++) {
        double x = xs[k];
        Z i = 0;
        for (Z j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(x) < fabs(y)) {
                double t = x;
                x = y;
                y = t;
            }
            double hi = x + y;
            double yr = hi - x;
            double lo = y - yr;
            if (lo != 0.0) p[i++] = lo;
            x = hi;
        }
        np = i;
        if (x != 0.0) p[np++] = x;
    }
    double hi = 0.0, lo = 0.0;
    if (np > 0) {
        hi = p[--np];
        while (np > 0) {
            double x = hi, y = p[--np];
            hi = x + y;
            double yr = hi - x;
            lo = y - yr;
            if (lo != 0.0) break;
        }
        if (np > 0 && ((lo < 0.0 && p[np - 1] < 0.0) || (lo > 0.0 && p[np - 1] > 0.0))) {
            double y = lo * 2.0;
            double x = hi + y;
            double yr = x - hi;
            if (y == yr) hi = x;
        }
    }
    return hi;
}

/* NgramModel.logit of a normalised text; -1 on a memory error (with an exception set) */
int ngram_logit(const NgramTable *m, const U *t, Z n, double *out) {
    if (n == 0) {
        *out = 0.0;
        return 0;
    }
    U *c = PyMem_Malloc((size_t)(n + 1) * sizeof(U));
    uint64_t *keys = PyMem_Malloc((size_t)(3 * n + 1) * sizeof(uint64_t));
    double *ws = PyMem_Malloc((size_t)(3 * n + 1) * sizeof(double));
    double *partials = PyMem_Malloc((size_t)(3 * n + 1) * sizeof(double));
    if (!c || !keys || !ws || !partials) {
        PyMem_Free(c);
        PyMem_Free(keys);
        PyMem_Free(ws);
        PyMem_Free(partials);
        PyErr_NoMemory();
        return -1;
    }
    Z m_ = 0;
    for (Z i = 0; i < n; i++)
        if (t[i] != ' ') c[m_++] = t[i];
    Z nk = 0;
    for (int len = 1; len <= 3; len++)
        for (Z i = 0; i + len <= m_; i++) keys[nk++] = gram_key(c + i, len);
    qsort(keys, (size_t)nk, sizeof(uint64_t), cmp_u64);
    Z nw = 0;
    for (Z i = 0; i < nk; i++)
        if (i == 0 || keys[i] != keys[i - 1]) ws[nw++] = gram_weight(m, keys[i]);
    *out = m->bias + fsum(ws, nw, partials);
    PyMem_Free(c);
    PyMem_Free(keys);
    PyMem_Free(ws);
    PyMem_Free(partials);
    return 0;
}

/* ---- the intent model ------------------------------------------------------------------------ */
int intent_build(IntentTab *m, PyObject *weights, PyObject *bias) {
    if (!PyTuple_Check(bias) || PyTuple_GET_SIZE(bias) != N_MODEL_INTENTS) {
        PyErr_SetString(PyExc_ValueError, "intent model: one bias per intent");
        return -1;
    }
    for (int k = 0; k < N_MODEL_INTENTS; k++) {
        m->bias[k] = PyFloat_AsDouble(PyTuple_GET_ITEM(bias, k));
        if (m->bias[k] == -1.0 && PyErr_Occurred()) return -1;
    }
    Z n = PyDict_GET_SIZE(weights);
    size_t size = 16;
    while (size < (size_t)n * 2 + 16) size *= 2;
    m->keys = PyMem_Calloc(size, sizeof(uint64_t));
    m->rows = PyMem_Calloc(size, sizeof(int32_t));
    m->weights = PyMem_Calloc((size_t)n * N_MODEL_INTENTS + 1, sizeof(double));
    if (!m->keys || !m->rows || !m->weights) {
        PyErr_NoMemory();
        return -1;
    }
    m->mask = size - 1;
    PyObject *key, *value;
    Z pos = 0;
    int32_t row = 0;
    while (PyDict_Next(weights, &pos, &key, &value)) {
        if (!PyUnicode_Check(key) || !PyTuple_Check(value) || PyTuple_GET_SIZE(value) != N_MODEL_INTENTS) {
            PyErr_SetString(PyExc_TypeError, "intent model: str -> tuple of one weight per intent");
            return -1;
        }
        Z len = PyUnicode_GET_LENGTH(key);
        if (len < 1 || len > 3) continue;
        U s[3];
        for (Z i = 0; i < len; i++) s[i] = PyUnicode_READ_CHAR(key, i);
        for (int k = 0; k < N_MODEL_INTENTS; k++) {
            double w = PyFloat_AsDouble(PyTuple_GET_ITEM(value, k));
            if (w == -1.0 && PyErr_Occurred()) return -1;
            m->weights[(size_t)row * N_MODEL_INTENTS + k] = w;
        }
        uint64_t g = gram_key(s, (int)len);
        size_t i = gram_slot(g, m->mask);
        while (m->keys[i] && m->keys[i] != g) i = (i + 1) & m->mask;
        m->keys[i] = g;
        m->rows[i] = row++;
    }
    return 0;
}

void intent_free(IntentTab *m) {
    PyMem_Free(m->keys);
    PyMem_Free(m->rows);
    PyMem_Free(m->weights);
    m->keys = NULL;
    m->rows = NULL;
    m->weights = NULL;
}

int intent_probabilities(const IntentTab *m, const U *t, Z n, double *p) {
    U *c = PyMem_Malloc((size_t)(n + 1) * sizeof(U));
    uint64_t *keys = PyMem_Malloc((size_t)(3 * n + 1) * sizeof(uint64_t));
    int32_t *found = PyMem_Malloc((size_t)(3 * n + 1) * sizeof(int32_t));
    double *col = PyMem_Malloc((size_t)(3 * n + 1) * sizeof(double));
    double *partials = PyMem_Malloc((size_t)(3 * n + 1) * sizeof(double));
    if (!c || !keys || !found || !col || !partials) {
        PyMem_Free(c);
        PyMem_Free(keys);
        PyMem_Free(found);
        PyMem_Free(col);
        PyMem_Free(partials);
        PyErr_NoMemory();
        return -1;
    }
    Z m_ = 0;
    for (Z i = 0; i < n; i++)
        if (t[i] != ' ') c[m_++] = t[i];
    Z nk = 0;
    for (int len = 1; len <= 3; len++)
        for (Z i = 0; i + len <= m_; i++) keys[nk++] = gram_key(c + i, len);
    qsort(keys, (size_t)nk, sizeof(uint64_t), cmp_u64);
    Z nf = 0;
    for (Z i = 0; i < nk; i++) {
        if (i > 0 && keys[i] == keys[i - 1]) continue;
        size_t j = gram_slot(keys[i], m->mask);
        for (;;) {
            uint64_t k = m->keys[j];
            if (k == keys[i]) {
                found[nf++] = m->rows[j];
                break;
            }
            if (!k) break;
            j = (j + 1) & m->mask;
        }
    }
    double z[N_MODEL_INTENTS], top = 0.0;
    for (int k = 0; k < N_MODEL_INTENTS; k++) {
        for (Z i = 0; i < nf; i++) col[i] = m->weights[(size_t)found[i] * N_MODEL_INTENTS + k];
        z[k] = m->bias[k] + fsum(col, nf, partials);
        if (k == 0 || z[k] > top) top = z[k];
    }
    double total = 0.0;
    for (int k = 0; k < N_MODEL_INTENTS; k++) {
        p[k] = exp(z[k] - top);
        total += p[k];
    }
    for (int k = 0; k < N_MODEL_INTENTS; k++) p[k] /= total;
    PyMem_Free(c);
    PyMem_Free(keys);
    PyMem_Free(found);
    PyMem_Free(col);
    PyMem_Free(partials);
    return 0;
}
