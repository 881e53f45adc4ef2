/* kuaifan.text._hotpath: the Engine type (a compiled lexicon) and its classify / classify_many.
 * kuaifan/text/compiled.py builds an Engine from a CompiledLexicon and is the only user. */
#include "hot.h"
#include <math.h>

/* Bumped with every change of the rules here, checked against compiled.HOTPATH_VERSION: a stale
 * build (C sources changed, extension not rebuilt) is then not used. */
#define HOTPATH_VERSION 7
#define N_FIELDS 9
#define N_INTENT_NAMES 11

int hot_fold_init(void);
PyObject *hot_composing_starters(void);

typedef struct {
    PyObject_HEAD
    Tables tb;
    PyObject *comment_type;
    PyObject *descr[N_FIELDS];
    PyObject *intents[N_INTENT_NAMES];
    PyObject *fold_py; /* normalize.fold_width, for texts with a character folded by Python */
    int ready;
} Engine;

/* ---- building the tables from the spec (compiled.py: engine_spec) --------------------------- */
static U *to_ucs4(PyObject *s, Z *len) {
    if (!PyUnicode_Check(s)) {
        PyErr_SetString(PyExc_TypeError, "lexicon words must be str");
        return NULL;
    }
    *len = PyUnicode_GET_LENGTH(s);
    U *out = PyMem_Malloc((size_t)(*len + 1) * sizeof(U));
    if (!out) {
        PyErr_NoMemory();
        return NULL;
    }
    if (!PyUnicode_AsUCS4(s, out, *len + 1, 1)) {
        PyMem_Free(out);
        return NULL;
    }
    return out;
}

static int add_word(Tables *tb, AC *ac, PyObject *word, int32_t value, Z *len_out, U *first_out) {
    Z len;
    U *w = to_ucs4(word, &len);
    if (!w) return -1;
    int r = ac_add(ac, &tb->cm, w, len, value);
    if (len_out) *len_out = len;
    if (first_out) *first_out = len ? w[0] : 0;
    PyMem_Free(w);
    return r;
}

static PyObject *spec_list(PyObject *spec, const char *key) {
    PyObject *v = PyDict_GetItemString(spec, key); /* borrowed */
    if (!v || !PyList_Check(v)) {
        PyErr_Format(PyExc_ValueError, "engine spec: %s must be a list", key);
        return NULL;
    }
    return v;
}

static int build_tables(Tables *tb, PyObject *spec) {
    PyObject *typos, *cues, *supers, *colors, *senti, *spam, *misc;
    if (!(typos = spec_list(spec, "typos")) || !(cues = spec_list(spec, "cues")) ||
        !(supers = spec_list(spec, "supers")) || !(colors = spec_list(spec, "colors")) ||
        !(senti = spec_list(spec, "senti")) || !(spam = spec_list(spec, "spam")) || !(misc = spec_list(spec, "misc")))
        return -1;
    if (cmap_init(&tb->cm) < 0 || ac_init(&tb->typos) < 0 || ac_init(&tb->intents) < 0 || ac_init(&tb->colors) < 0 ||
        ac_init(&tb->senti) < 0 || ac_init(&tb->spam) < 0 || ac_init(&tb->misc) < 0)
        return -1;
    Z n;
    /* typos: (key, value) */
    n = PyList_GET_SIZE(typos);
    tb->typo_value = PyMem_Calloc((size_t)n + 1, sizeof(U *));
    tb->typo_value_len = PyMem_Calloc((size_t)n + 1, sizeof(Z));
    if (!tb->typo_value || !tb->typo_value_len) goto nomem;
    for (Z i = 0; i < n; i++) {
        PyObject *kv = PyList_GET_ITEM(typos, i);
        if (!PyTuple_Check(kv) || PyTuple_GET_SIZE(kv) != 2) goto bad;
        if (add_word(tb, &tb->typos, PyTuple_GET_ITEM(kv, 0), (int32_t)i, NULL, NULL) < 0) return -1;
        tb->typo_value[i] = to_ucs4(PyTuple_GET_ITEM(kv, 1), &tb->typo_value_len[i]);
        if (!tb->typo_value[i]) return -1;
    }
    /* intent cues: (cue, ((intent, weight), ...)) and per cue the ids of the longer cues holding it */
    n = PyList_GET_SIZE(cues);
    if (PyList_GET_SIZE(supers) != n) goto bad;
    tb->cue = PyMem_Calloc((size_t)n + 1, sizeof(CueWeights));
    tb->supers = PyMem_Calloc((size_t)n + 1, sizeof(int32_t *));
    if (!tb->cue || !tb->supers) goto nomem;
    for (Z i = 0; i < n; i++) {
        PyObject *cw = PyList_GET_ITEM(cues, i);
        if (!PyTuple_Check(cw) || PyTuple_GET_SIZE(cw) != 2 || !PyTuple_Check(PyTuple_GET_ITEM(cw, 1))) goto bad;
        if (add_word(tb, &tb->intents, PyTuple_GET_ITEM(cw, 0), (int32_t)i, NULL, NULL) < 0) return -1;
        PyObject *ws = PyTuple_GET_ITEM(cw, 1);
        Z m = PyTuple_GET_SIZE(ws);
        tb->cue[i].n = (int32_t)m;
        tb->cue[i].intent = PyMem_Calloc((size_t)m + 1, sizeof(int32_t));
        tb->cue[i].weight = PyMem_Calloc((size_t)m + 1, sizeof(double));
        if (!tb->cue[i].intent || !tb->cue[i].weight) goto nomem;
        for (Z j = 0; j < m; j++) {
            PyObject *iw = PyTuple_GET_ITEM(ws, j);
            if (!PyTuple_Check(iw) || PyTuple_GET_SIZE(iw) != 2) goto bad;
            long idx = PyLong_AsLong(PyTuple_GET_ITEM(iw, 0));
            double w = PyFloat_AsDouble(PyTuple_GET_ITEM(iw, 1));
            if (PyErr_Occurred()) return -1;
            if (idx < 0 || idx >= N_INTENT_NAMES) goto bad;
            tb->cue[i].intent[j] = (int32_t)idx;
            tb->cue[i].weight[j] = w;
        }
        PyObject *sup = PyList_GET_ITEM(supers, i);
        if (!PyList_Check(sup)) goto bad;
        Z ns = PyList_GET_SIZE(sup);
        if (ns) {
            tb->supers[i] = PyMem_Calloc((size_t)ns + 1, sizeof(int32_t));
            if (!tb->supers[i]) goto nomem;
            for (Z j = 0; j < ns; j++) {
                tb->supers[i][j] = (int32_t)PyLong_AsLong(PyList_GET_ITEM(sup, j));
                if (PyErr_Occurred()) return -1;
            }
            tb->supers[i][ns] = -1;
        }
    }
    /* colours: (word, canonical or "" for a blocked word) */
    n = PyList_GET_SIZE(colors);
    tb->color_canon = PyMem_Calloc((size_t)n + 1, sizeof(int32_t));
    tb->color_len = PyMem_Calloc((size_t)n + 1, sizeof(Z));
    tb->canon = PyMem_Calloc((size_t)n + 1, sizeof(PyObject *));
    if (!tb->color_canon || !tb->color_len || !tb->canon) goto nomem;
    for (Z i = 0; i < n; i++) {
        PyObject *wc = PyList_GET_ITEM(colors, i);
        if (!PyTuple_Check(wc) || PyTuple_GET_SIZE(wc) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(wc, 1))) goto bad;
        if (add_word(tb, &tb->colors, PyTuple_GET_ITEM(wc, 0), (int32_t)i, &tb->color_len[i], NULL) < 0) return -1;
        PyObject *canon = PyTuple_GET_ITEM(wc, 1);
        int32_t id = -1;
        if (PyUnicode_GET_LENGTH(canon)) {
            for (int32_t k = 0; k < tb->n_canon && id < 0; k++) {
                int eq = PyUnicode_Compare(tb->canon[k], canon);
                if (eq == -1 && PyErr_Occurred()) return -1;
                if (eq == 0) id = k;
            }
            if (id < 0) {
                Py_INCREF(canon);
                id = tb->n_canon;
                tb->canon[tb->n_canon++] = canon;
            }
        }
        tb->color_canon[i] = id;
    }
    /* sentiment: (word, weight) */
    n = PyList_GET_SIZE(senti);
    tb->senti_weight = PyMem_Calloc((size_t)n + 1, sizeof(double));
    tb->senti_len = PyMem_Calloc((size_t)n + 1, sizeof(Z));
    if (!tb->senti_weight || !tb->senti_len) goto nomem;
    for (Z i = 0; i < n; i++) {
        PyObject *ww = PyList_GET_ITEM(senti, i);
        if (!PyTuple_Check(ww) || PyTuple_GET_SIZE(ww) != 2) goto bad;
        if (add_word(tb, &tb->senti, PyTuple_GET_ITEM(ww, 0), (int32_t)i, &tb->senti_len[i], NULL) < 0) return -1;
        tb->senti_weight[i] = PyFloat_AsDouble(PyTuple_GET_ITEM(ww, 1));
        if (PyErr_Occurred()) return -1;
    }
    n = PyList_GET_SIZE(spam);
    for (Z i = 0; i < n; i++)
        if (add_word(tb, &tb->spam, PyList_GET_ITEM(spam, i), (int32_t)i, NULL, NULL) < 0) return -1;
    /* products and persons: (word, kind) */
    n = PyList_GET_SIZE(misc);
    tb->misc_kind = PyMem_Calloc((size_t)n + 1, sizeof(int32_t));
    tb->misc_len = PyMem_Calloc((size_t)n + 1, sizeof(Z));
    tb->misc_first = PyMem_Calloc((size_t)n + 1, sizeof(U));
    if (!tb->misc_kind || !tb->misc_len || !tb->misc_first) goto nomem;
    for (Z i = 0; i < n; i++) {
        PyObject *wk = PyList_GET_ITEM(misc, i);
        if (!PyTuple_Check(wk) || PyTuple_GET_SIZE(wk) != 2) goto bad;
        if (add_word(tb, &tb->misc, PyTuple_GET_ITEM(wk, 0), (int32_t)i, &tb->misc_len[i], &tb->misc_first[i]) < 0)
            return -1;
        tb->misc_kind[i] = (int32_t)PyLong_AsLong(PyTuple_GET_ITEM(wk, 1));
        if (PyErr_Occurred()) return -1;
    }
    if (cmap_add(&tb->cm, ' ') < 0) return -1; /* the padding of the colour scan */
    const CharMap *cm = &tb->cm;
    if (ac_finish(&tb->typos, cm) < 0 || ac_finish(&tb->intents, cm) < 0 || ac_finish(&tb->colors, cm) < 0 ||
        ac_finish(&tb->senti, cm) < 0 || ac_finish(&tb->spam, cm) < 0 || ac_finish(&tb->misc, cm) < 0)
        return -1;
    return 0;
nomem:
    PyErr_NoMemory();
    return -1;
bad:
    PyErr_SetString(PyExc_ValueError, "engine spec: malformed entry");
    return -1;
}

static void free_tables(Tables *tb) {
    cmap_free(&tb->cm);
    ac_free(&tb->typos);
    ac_free(&tb->intents);
    ac_free(&tb->colors);
    ac_free(&tb->senti);
    ac_free(&tb->spam);
    ac_free(&tb->misc);
    if (tb->typo_value)
        for (Z i = 0; tb->typo_value[i]; i++) PyMem_Free(tb->typo_value[i]);
    PyMem_Free(tb->typo_value);
    PyMem_Free(tb->typo_value_len);
    if (tb->cue)
        for (Z i = 0; tb->cue[i].intent; i++) {
            PyMem_Free(tb->cue[i].intent);
            PyMem_Free(tb->cue[i].weight);
        }
    PyMem_Free(tb->cue);
    if (tb->supers)
        for (Z i = 0; i < tb->intents.n_words; i++) PyMem_Free(tb->supers[i]);
    PyMem_Free(tb->supers);
    for (int32_t k = 0; k < tb->n_canon; k++) Py_XDECREF(tb->canon[k]);
    PyMem_Free(tb->canon);
    PyMem_Free(tb->color_canon);
    PyMem_Free(tb->color_len);
    PyMem_Free(tb->senti_weight);
    PyMem_Free(tb->senti_len);
    PyMem_Free(tb->misc_kind);
    PyMem_Free(tb->misc_len);
    PyMem_Free(tb->misc_first);
    memset(tb, 0, sizeof(*tb));
}

/* ---- the Model type: ngram_model.NgramModel's weights in a C table ---------------------------- */
typedef struct {
    PyObject_HEAD
    NgramTable table;
    double alpha, scale;
    Z min_chars;
    int ready;
} Model;

static PyTypeObject ModelType;

static int Model_init(Model *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"weights", "bias", "alpha", "scale", "min_chars", NULL};
    PyObject *weights;
    double bias, alpha, scale;
    Py_ssize_t min_chars;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!dddn", kwlist, &PyDict_Type, &weights, &bias, &alpha, &scale,
                                     &min_chars))
        return -1;
    if (self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Model already initialised");
        return -1;
    }
    if (ngram_build(&self->table, weights) < 0) return -1;
    self->table.bias = bias;
    self->alpha = alpha;
    self->scale = scale;
    self->min_chars = min_chars;
    self->ready = 1;
    return 0;
}

static void Model_dealloc(Model *self) {
    ngram_free(&self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *Model_logit(Model *self, PyObject *text) {
    if (!self->ready || !PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "logit(text: str) of an initialised Model");
        return NULL;
    }
    Z n = PyUnicode_GET_LENGTH(text);
    U *t = PyUnicode_AsUCS4Copy(text);
    if (!t) return NULL;
    double v;
    int r = ngram_logit(&self->table, t, n, &v);
    PyMem_Free(t);
    return r < 0 ? NULL : PyFloat_FromDouble(v);
}

static PyMethodDef Model_methods[] = {
    {"logit", (PyCFunction)Model_logit, METH_O, "logit(norm) -> NgramModel.logit(norm)"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject ModelType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kuaifan.text._hotpath.Model",
    .tp_basicsize = sizeof(Model),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The learned review-sentiment model (character n-grams) as a C table.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Model_init,
    .tp_dealloc = (destructor)Model_dealloc,
    .tp_methods = Model_methods,
};

/* ---- the IntentTable type: intent_model.IntentModel's weights in a C table --------------------- */
typedef struct {
    PyObject_HEAD
    IntentTab table;
    int ready;
} IntentTable;

static int IntentTable_init(IntentTable *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"weights", "bias", NULL};
    PyObject *weights, *bias;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!", kwlist, &PyDict_Type, &weights, &PyTuple_Type, &bias))
        return -1;
    if (self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "IntentTable already initialised");
        return -1;
    }
    if (intent_build(&self->table, weights, bias) < 0) return -1;
    self->ready = 1;
    return 0;
}

static void IntentTable_dealloc(IntentTable *self) {
    intent_free(&self->table);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *IntentTable_probabilities(IntentTable *self, PyObject *text) {
    if (!self->ready || !PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "probabilities(text: str) of an initialised IntentTable");
        return NULL;
    }
    Z n = PyUnicode_GET_LENGTH(text);
    U *t = PyUnicode_AsUCS4Copy(text);
    if (!t) return NULL;
    double p[N_MODEL_INTENTS];
    int r = intent_probabilities(&self->table, t, n, p);
    PyMem_Free(t);
    if (r < 0) return NULL;
    PyObject *out = PyList_New(N_MODEL_INTENTS);
    for (int k = 0; out && k < N_MODEL_INTENTS; k++) {
        PyObject *v = PyFloat_FromDouble(p[k]);
        if (!v) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, k, v);
    }
    return out;
}

static PyMethodDef IntentTable_methods[] = {
    {"probabilities", (PyCFunction)IntentTable_probabilities, METH_O,
     "probabilities(norm) -> IntentModel.probabilities(norm)"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject IntentTableType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kuaifan.text._hotpath.IntentTable",
    .tp_basicsize = sizeof(IntentTable),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The learned intent model (character n-grams) as a C table.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)IntentTable_init,
    .tp_dealloc = (destructor)IntentTable_dealloc,
    .tp_methods = IntentTable_methods,
};

/* ---- the Engine type ---------------------------------------------------------------------- */
static int Engine_init(Engine *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"spec", "comment_type", "fields", "intents", "fold_width", NULL};
    PyObject *spec, *ctype, *fields, *intents, *fold;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!O!O!O", kwlist, &PyDict_Type, &spec, &PyType_Type, &ctype,
                                     &PyTuple_Type, &fields, &PyTuple_Type, &intents, &fold))
        return -1;
    if (self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Engine already initialised");
        return -1;
    }
    if (PyTuple_GET_SIZE(fields) != N_FIELDS || PyTuple_GET_SIZE(intents) != N_INTENT_NAMES) {
        PyErr_SetString(PyExc_ValueError, "Engine: 9 fields and 11 intents expected");
        return -1;
    }
    for (int k = 0; k < N_FIELDS; k++) {
        PyObject *d = PyObject_GetAttr(ctype, PyTuple_GET_ITEM(fields, k));
        if (!d) return -1;
        if (!Py_IS_TYPE(d, &PyMemberDescr_Type)) {
            Py_DECREF(d);
            PyErr_SetString(PyExc_TypeError, "Engine: the comment type must be a slotted class");
            return -1;
        }
        self->descr[k] = d;
    }
    for (int k = 0; k < N_INTENT_NAMES; k++) {
        self->intents[k] = PyTuple_GET_ITEM(intents, k);
        Py_INCREF(self->intents[k]);
    }
    Py_INCREF(ctype);
    self->comment_type = ctype;
    Py_INCREF(fold);
    self->fold_py = fold;
    if (build_tables(&self->tb, spec) < 0) return -1;
    self->ready = 1;
    return 0;
}

static void Engine_dealloc(Engine *self) {
    free_tables(&self->tb);
    for (int k = 0; k < N_FIELDS; k++) Py_XDECREF(self->descr[k]);
    for (int k = 0; k < N_INTENT_NAMES; k++) Py_XDECREF(self->intents[k]);
    Py_XDECREF(self->comment_type);
    Py_XDECREF(self->fold_py);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

typedef struct {
    Buf a, b;
    uint16_t *cid; /* character ids of " " + text + " " */
    Z cid_cap;
    Text x;
    /* the sentiment model: a Model (cmodel), a Python object with logit() (logit), or neither */
    const Model *cmodel;
    const IntentTab *intents; /* the intent model (NULL: the rules alone) */
    PyObject *logit;
    double alpha, scale;
    Z min_chars;
} Work;

static void work_free(Work *w) {
    buf_free(&w->a);
    buf_free(&w->b);
    PyMem_Free(w->cid);
    Py_XDECREF(w->logit);
}

static int work_intents(Work *w, PyObject *intents) {
    w->intents = NULL;
    if (intents == Py_None) return 0;
    if (!Py_IS_TYPE(intents, &IntentTableType) || !((IntentTable *)intents)->ready) {
        PyErr_SetString(PyExc_TypeError, "intents must be an initialised IntentTable or None");
        return -1;
    }
    w->intents = &((IntentTable *)intents)->table;
    return 0;
}

static int work_model(Work *w, PyObject *model) {
    w->logit = NULL;
    w->cmodel = NULL;
    w->min_chars = PY_SSIZE_T_MAX;
    if (model == Py_None) return 0;
    if (Py_IS_TYPE(model, &ModelType)) {
        const Model *m = (const Model *)model;
        if (!m->ready) {
            PyErr_SetString(PyExc_RuntimeError, "Model not initialised");
            return -1;
        }
        w->cmodel = m;
        w->alpha = m->alpha;
        w->scale = m->scale;
        w->min_chars = m->min_chars;
        return 0;
    }
    PyObject *alpha = PyObject_GetAttrString(model, "alpha");
    PyObject *scale = alpha ? PyObject_GetAttrString(model, "scale") : NULL;
    PyObject *minc = scale ? PyObject_GetAttrString(model, "min_chars") : NULL;
    w->logit = minc ? PyObject_GetAttrString(model, "logit") : NULL;
    if (w->logit) {
        w->alpha = PyFloat_AsDouble(alpha);
        w->scale = PyFloat_AsDouble(scale);
        w->min_chars = PyLong_AsSsize_t(minc);
    }
    Py_XDECREF(alpha);
    Py_XDECREF(scale);
    Py_XDECREF(minc);
    return (w->logit && !PyErr_Occurred()) ? 0 : -1;
}

/* normalize into w->a (fold, typos, numerals); HOT_FALLBACK: the Python path must classify */
static int normalise(Engine *self, PyObject *text, Work *w) {
    int r = hot_fold(text, &w->b);
    if (r == HOT_ERROR) return HOT_ERROR;
    if (r == HOT_FALLBACK) {
        PyObject *folded = PyObject_CallOneArg(self->fold_py, text);
        if (!folded) return HOT_ERROR;
        if (!PyUnicode_Check(folded)) {
            Py_DECREF(folded);
            PyErr_SetString(PyExc_TypeError, "fold_width must return str");
            return HOT_ERROR;
        }
        Z len = PyUnicode_GET_LENGTH(folded);
        if (buf_reserve(&w->b, len + 1) < 0) {
            Py_DECREF(folded);
            return HOT_ERROR;
        }
        PyUnicode_AsUCS4(folded, w->b.s, len + 1, 0);
        w->b.n = len;
        Py_DECREF(folded);
    }
    if (hot_typos(&self->tb, &w->b, &w->a) != HOT_OK) return HOT_ERROR;
    r = hot_numerals(&w->a, &w->b);
    if (r != HOT_OK) return r;
    Buf tmp = w->a;
    w->a = w->b;
    w->b = tmp;
    return HOT_OK;
}

static PyObject *new_comment(Engine *self, PyObject *values[N_FIELDS]) {
    PyTypeObject *tp = (PyTypeObject *)self->comment_type;
    PyObject *obj = tp->tp_alloc(tp, 0);
    if (!obj) return NULL;
    for (int k = 0; k < N_FIELDS; k++) {
        if (Py_TYPE(self->descr[k])->tp_descr_set(self->descr[k], obj, values[k]) < 0) {
            Py_DECREF(obj);
            return NULL;
        }
    }
    /* a comment holds str, int, float, bool and None only: it cannot be part of a reference cycle,
     * so the cyclic collector need not visit it (as CPython untracks such tuples and dicts) */
    if (PyObject_GC_IsTracked(obj)) PyObject_GC_UnTrack(obj);
    return obj;
}

static int needs_extract(const Text *x) {
    if (x->ncolors) return 1;
    for (Z i = 0; i < x->n; i++) {
        U c = x->t[i];
        if (is_digit(c) || c == 's' || c == 'm' || c == 'l' || c == 'x' || (c == U'均' && at(x->t, x->n, i + 1) == U'码'))
            return 1;
    }
    return 0;
}

/* One comment, or Py_None (borrowed) when the Python path must classify the text. */
static PyObject *classify_one(Engine *self, PyObject *text, Work *w) {
    int r = normalise(self, text, w);
    if (r == HOT_ERROR) return NULL;
    if (r == HOT_FALLBACK) return Py_None;
    Text *x = &w->x;
    x->t = w->a.s;
    x->n = w->a.n;
    Z n = x->n;
    if (n > MAXLEN) return Py_None;
    for (Z i = 0; i < n; i++) {
        U c = x->t[i];
        if (c >= 128 && !(c >= 0x3000 && c <= 0x9FFF) && Py_UNICODE_ISDECIMAL(c)) return Py_None; /* \d */
    }
    const Tables *tb = &self->tb;
    if (n + 2 > w->cid_cap) {
        PyMem_Free(w->cid);
        w->cid_cap = 2 * n + 64;
        w->cid = PyMem_Malloc((size_t)w->cid_cap * sizeof(uint16_t));
        if (!w->cid) {
            w->cid_cap = 0;
            PyErr_NoMemory();
            return NULL;
        }
    }
    uint16_t space = cmap_get(&tb->cm, ' ');
    w->cid[0] = w->cid[n + 1] = space;
    cmap_text(&tb->cm, x->t, n, w->cid + 1);
    x->cid = w->cid + 1;
    x->ncues = ac_iter(&tb->intents, x->cid, n, x->cues, MAXM);
    if (x->ncues < 0) return Py_None;
    ACHit hits[MAXM];
    int k = ac_iter_long(&tb->colors, w->cid, n + 2, hits, MAXM);
    if (k < 0) return Py_None;
    x->ncolors = 0;
    for (int j = 0; j < k; j++) {
        int32_t canon = tb->color_canon[hits[j].value];
        if (canon < 0) continue;
        Z s = hits[j].end - tb->color_len[hits[j].value], e = hits[j].end;
        x->colors[x->ncolors].canon = canon;
        x->colors[x->ncolors].s = (int32_t)(s > 0 ? s : 0);
        x->colors[x->ncolors].e = (int32_t)(e < n ? e : n);
        x->ncolors++;
    }
    k = ac_iter_long(&tb->senti, x->cid, n, hits, MAXM);
    if (k < 0) return Py_None;
    x->nsenti = k;
    for (int j = 0; j < k; j++) x->senti[j] = hits[j].value;
    x->spam_word = ac_any(&tb->spam, x->cid, n);
    x->hits_done = 0;

    Attrs a;
    memset(&a, 0, sizeof a);
    a.height = a.color = a.link = -1;
    if (needs_extract(x)) {
        r = hot_extract(tb, x, &a);
        if (r == HOT_ERROR) return NULL;
        if (r == HOT_FALLBACK) return Py_None;
    }
    int ad = x->spam_word || hot_ad_pattern(x->t, n);
    int intent;
    double conf;
    hot_decide(tb, x, &a, ad, &intent, &conf);
    if (w->intents && conf <= 0.5) { /* IntentModel.refine: the model where the rules are unsure */
        double p[N_MODEL_INTENTS];
        if (intent_probabilities(w->intents, x->t, n, p) < 0) return NULL;
        int best = 0;
        for (int k = 1; k < N_MODEL_INTENTS; k++)
            if (p[k] > p[best]) best = k;
        double need = intent == N_INTENT_NAMES - 1 ? 0.5 : 0.7; /* "other" is the last intent */
        if (p[best] >= need && best != intent) {
            intent = best;
            conf = py_round3(p[best]);
        }
    }

    double senti = 0.0;
    int is_long = (w->logit != NULL || w->cmodel != NULL) && n >= w->min_chars;
    if (x->nsenti || is_long) {
        double pos = 0.0, neg = 0.0;
        for (int j = 0; j < x->nsenti; j++) {
            double wt = tb->senti_weight[x->senti[j]];
            if (wt > 0) pos += wt;
            else neg += wt;
        }
        double score = pos + neg;
        if (pos != 0.0 && neg != 0.0) score *= 0.5; /* MIXED_DAMPING */
        int question = hot_question_end(x->t, n);
        if (!is_long) {
            if (score != 0.0) {
                if (question) score *= 0.5;
                senti = py_round3(tanh(score / 3.0));
            }
        } else {
            double logit;
            if (w->cmodel) {
                if (ngram_logit(&w->cmodel->table, x->t, n, &logit) < 0) return NULL;
            } else {
                PyObject *norm = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, x->t, n);
                if (!norm) return NULL;
                PyObject *lg = PyObject_CallOneArg(w->logit, norm);
                Py_DECREF(norm);
                if (!lg) return NULL;
                logit = PyFloat_AsDouble(lg);
                Py_DECREF(lg);
                if (logit == -1.0 && PyErr_Occurred()) return NULL;
            }
            score = score + w->alpha * logit;
            if (question) score *= 0.5;
            senti = py_round3(tanh(score / w->scale));
        }
    }
    int spam = ad || hot_flood(x->t, n);

    PyObject *v[N_FIELDS] = {NULL};
    v[0] = self->intents[intent];
    Py_INCREF(v[0]);
    v[1] = a.height >= 0 ? PyLong_FromLong(a.height) : Py_NewRef(Py_None);
    v[2] = a.has_weight ? PyFloat_FromDouble(a.weight) : Py_NewRef(Py_None);
    v[3] = a.size_len ? PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a.size, a.size_len) : Py_NewRef(Py_None);
    v[4] = a.color >= 0 ? Py_NewRef(tb->canon[a.color]) : Py_NewRef(Py_None);
    v[5] = a.link >= 0 ? PyLong_FromLong(a.link) : Py_NewRef(Py_None);
    v[6] = PyFloat_FromDouble(conf);
    v[7] = PyFloat_FromDouble(senti);
    v[8] = Py_NewRef(spam ? Py_True : Py_False);
    PyObject *out = NULL;
    int ok = 1;
    for (int j = 0; j < N_FIELDS; j++) ok &= v[j] != NULL;
    if (ok) out = new_comment(self, v);
    for (int j = 0; j < N_FIELDS; j++) Py_XDECREF(v[j]);
    return out;
}

static PyObject *classify_or_fallback(Engine *self, PyObject *text, PyObject *fallback, Work *w) {
    if (!PyUnicode_Check(text)) {
        PyErr_Format(PyExc_TypeError, "comment text must be str, not %.100s", Py_TYPE(text)->tp_name);
        return NULL;
    }
    PyObject *c = classify_one(self, text, w);
    if (c == Py_None) return PyObject_CallOneArg(fallback, text);
    return c;
}

static int check_ready(Engine *self) {
    if (!self->ready) {
        PyErr_SetString(PyExc_RuntimeError, "Engine not initialised");
        return -1;
    }
    return 0;
}

static PyObject *Engine_classify_many(Engine *self, PyObject *args) {
    PyObject *texts, *fallback, *model, *intents;
    if (!PyArg_ParseTuple(args, "OOOO", &texts, &fallback, &model, &intents) || check_ready(self) < 0) return NULL;
    PyObject *seq = PySequence_Fast(texts, "texts must be a sequence");
    if (!seq) return NULL;
    Z n = PySequence_Fast_GET_SIZE(seq);
    PyObject **items = PySequence_Fast_ITEMS(seq);
    PyObject *out = PyList_New(n);
    PyObject *seen = PyDict_New();
    Work w;
    memset(&w, 0, sizeof w);
    if (!out || !seen || work_model(&w, model) < 0 || work_intents(&w, intents) < 0) goto fail;
    for (Z i = 0; i < n; i++) {
        PyObject *text = items[i];
        PyObject *c = PyUnicode_CheckExact(text) ? PyDict_GetItemWithError(seen, text) : NULL;
        if (c) {
            Py_INCREF(c);
        } else {
            if (PyErr_Occurred()) goto fail;
            c = classify_or_fallback(self, text, fallback, &w);
            if (!c) goto fail;
            if (PyUnicode_CheckExact(text) && PyDict_SetItem(seen, text, c) < 0) {
                Py_DECREF(c);
                goto fail;
            }
        }
        PyList_SET_ITEM(out, i, c);
    }
    Py_DECREF(seen);
    Py_DECREF(seq);
    work_free(&w);
    return out;
fail:
    Py_XDECREF(out);
    Py_XDECREF(seen);
    Py_DECREF(seq);
    work_free(&w);
    return NULL;
}

static PyObject *Engine_classify(Engine *self, PyObject *args) {
    PyObject *text, *fallback, *model, *intents;
    if (!PyArg_ParseTuple(args, "OOOO", &text, &fallback, &model, &intents) || check_ready(self) < 0) return NULL;
    Work w;
    memset(&w, 0, sizeof w);
    PyObject *c = (work_model(&w, model) < 0 || work_intents(&w, intents) < 0)
                      ? NULL
                      : classify_or_fallback(self, text, fallback, &w);
    work_free(&w);
    return c;
}

/* The normalised text as this module computes it (None: one the Python path must classify). */
static PyObject *Engine_norm(Engine *self, PyObject *text) {
    if (check_ready(self) < 0) return NULL;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "text must be str");
        return NULL;
    }
    Work w;
    memset(&w, 0, sizeof w);
    int r = normalise(self, text, &w);
    PyObject *out = NULL;
    if (r == HOT_OK) out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, w.a.s, w.a.n);
    else if (r == HOT_FALLBACK) out = Py_NewRef(Py_None);
    work_free(&w);
    return out;
}

static PyMethodDef Engine_methods[] = {
    {"classify_many", (PyCFunction)Engine_classify_many, METH_VARARGS,
     "classify_many(texts, fallback, model, intents) -> list of comments, in order; each distinct text once"},
    {"classify", (PyCFunction)Engine_classify, METH_VARARGS, "classify(text, fallback, model, intents) -> comment"},
    {"norm", (PyCFunction)Engine_norm, METH_O, "norm(text) -> the normalised text, or None"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject EngineType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kuaifan.text._hotpath.Engine",
    .tp_basicsize = sizeof(Engine),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The compiled per-comment rules over one lexicon.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Engine_init,
    .tp_dealloc = (destructor)Engine_dealloc,
    .tp_methods = Engine_methods,
};

static PyObject *mod_composing_starters(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return hot_composing_starters();
}

static PyMethodDef module_methods[] = {
    {"composing_starters", mod_composing_starters, METH_NOARGS,
     "the characters that compose with the one before them (the fold table treats them as unsafe)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef hotpath_module = {PyModuleDef_HEAD_INIT, "_hotpath",
                                            "The per-comment rules of kuaifan.text, compiled.", -1, module_methods};

PyMODINIT_FUNC PyInit__hotpath(void) {
    if (PyType_Ready(&EngineType) < 0 || PyType_Ready(&ModelType) < 0 || PyType_Ready(&IntentTableType) < 0)
        return NULL;
    if (hot_fold_init() < 0) return NULL;
    PyObject *m = PyModule_Create(&hotpath_module);
    if (!m) return NULL;
    if (PyModule_AddIntConstant(m, "HOTPATH_VERSION", HOTPATH_VERSION) < 0 ||
        PyModule_AddObjectRef(m, "Engine", (PyObject *)&EngineType) < 0 ||
        PyModule_AddObjectRef(m, "Model", (PyObject *)&ModelType) < 0 ||
        PyModule_AddObjectRef(m, "IntentTable", (PyObject *)&IntentTableType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
