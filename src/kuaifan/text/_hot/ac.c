/* Aho-Corasick automata with pyahocorasick's matching rules (lexicon.py builds its automata with
 * pyahocorasick; the classifier reads them with .iter and .iter_long). A trie's fail links are
 * defined by its words alone, and the two loops below follow pyahocorasick's own
 * (AutomatonSearchIter.c, AutomatonSearchIterLong.c), so the same words give the same matches
 * in the same order, including iter_long's quirks.
 *
 * Characters are read as dense ids (CharMap: every character of every word gets one, all others
 * are 0 and have no edge anywhere), and each node keeps its children sorted in one array. */
#include "hot.h"

int buf_reserve(Buf *b, Z cap) {
    if (cap <= b->cap) return 0;
    Z want = b->cap ? b->cap : 64;
    while (want < cap) want *= 2;
    U *s = PyMem_Realloc(b->s, (size_t)want * sizeof(U));
    if (!s) {
        PyErr_NoMemory();
        return -1;
    }
    b->s = s;
    b->cap = want;
    return 0;
}

void buf_free(Buf *b) {
    PyMem_Free(b->s);
    b->s = NULL;
    b->n = b->cap = 0;
}

/* ---- CharMap ----------------------------------------------------------------------------- */
int cmap_init(CharMap *cm) {
    memset(cm, 0, sizeof(*cm));
    cm->bmp = PyMem_Calloc(0x10000, sizeof(uint16_t));
    if (!cm->bmp) {
        PyErr_NoMemory();
        return -1;
    }
    cm->n = 1;
    return 0;
}

void cmap_free(CharMap *cm) {
    PyMem_Free(cm->bmp);
    PyMem_Free(cm->astral);
    PyMem_Free(cm->astral_id);
    memset(cm, 0, sizeof(*cm));
}

uint16_t cmap_get(const CharMap *cm, U c) {
    if (c < 0x10000) return cm->bmp[c];
    for (int32_t i = 0; i < cm->n_astral; i++)
        if (cm->astral[i] == c) return cm->astral_id[i];
    return 0;
}

/* the id of c, given one if it has none; -1 when there are too many characters */
int32_t cmap_add(CharMap *cm, U c) {
    uint16_t id = cmap_get(cm, c);
    if (id) return id;
    if (cm->n >= 0xFFFF) {
        PyErr_SetString(PyExc_ValueError, "too many distinct characters in the lexicon");
        return -1;
    }
    id = (uint16_t)cm->n++;
    if (c < 0x10000) {
        cm->bmp[c] = id;
        return id;
    }
    U *a = PyMem_Realloc(cm->astral, (size_t)(cm->n_astral + 1) * sizeof(U));
    if (a) cm->astral = a;
    uint16_t *b = PyMem_Realloc(cm->astral_id, (size_t)(cm->n_astral + 1) * sizeof(uint16_t));
    if (b) cm->astral_id = b;
    if (!a || !b) {
        PyErr_NoMemory();
        return -1;
    }
    cm->astral[cm->n_astral] = c;
    cm->astral_id[cm->n_astral] = id;
    cm->n_astral++;
    return id;
}

int cmap_text(const CharMap *cm, const U *t, Z n, uint16_t *out) {
    for (Z i = 0; i < n; i++) {
        U c = t[i];
        out[i] = c < 0x10000 ? cm->bmp[c] : cmap_get(cm, c);
    }
    return 0;
}

/* ---- building ---------------------------------------------------------------------------- */
typedef struct { /* while building: a node's children are a chain of these */
    int32_t next, child; /* next: index + 1 of the next edge of the same node, 0 = none */
    uint16_t cid;
} BuildEdge;

typedef struct { /* for sorting the children */
    int32_t node, child;
    uint16_t cid;
} Edge;

static int32_t new_node(AC *ac, int32_t depth) {
    if (ac->n_nodes >= ac->cap_nodes) {
        int32_t cap = ac->cap_nodes ? ac->cap_nodes * 2 : 256;
        ACNode *nodes = PyMem_Realloc(ac->nodes, (size_t)cap * sizeof(ACNode));
        if (!nodes) {
            PyErr_NoMemory();
            return -1;
        }
        ac->nodes = nodes;
        ac->cap_nodes = cap;
    }
    int32_t id = ac->n_nodes++;
    ACNode *nd = &ac->nodes[id];
    nd->fail = -1;
    nd->value = -1;
    nd->depth = depth;
    nd->out = -1;
    nd->child_off = 0; /* while building: index + 1 of the first BuildEdge, 0 = none */
    nd->child_n = 0;
    return id;
}

int ac_init(AC *ac) {
    memset(ac, 0, sizeof(*ac));
    return new_node(ac, 0) < 0 ? -1 : 0;
}

void ac_free(AC *ac) {
    PyMem_Free(ac->nodes);
    PyMem_Free(ac->child_cid);
    PyMem_Free(ac->child_node);
    PyMem_Free(ac->root);
    PyMem_Free(ac->edges);
    memset(ac, 0, sizeof(*ac));
}

static int32_t build_child(const AC *ac, int32_t node, uint16_t cid) {
    const BuildEdge *edges = ac->edges;
    for (int32_t e = ac->nodes[node].child_off - 1; e >= 0; e = edges[e].next - 1)
        if (edges[e].cid == cid) return edges[e].child;
    return -1;
}

int ac_add(AC *ac, CharMap *cm, const U *word, Z len, int32_t value) {
    if (len <= 0) return 0;
    int32_t node = 0;
    for (Z i = 0; i < len; i++) {
        int32_t cid = cmap_add(cm, word[i]);
        if (cid < 0) return -1;
        int32_t next = build_child(ac, node, (uint16_t)cid);
        if (next < 0) {
            next = new_node(ac, (int32_t)i + 1);
            if (next < 0) return -1;
            if (ac->n_edges >= ac->cap_edges) {
                int32_t cap = ac->cap_edges ? ac->cap_edges * 2 : 256;
                BuildEdge *edges = PyMem_Realloc(ac->edges, (size_t)cap * sizeof(BuildEdge));
                if (!edges) {
                    PyErr_NoMemory();
                    return -1;
                }
                ac->edges = edges;
                ac->cap_edges = cap;
            }
            BuildEdge *e = &((BuildEdge *)ac->edges)[ac->n_edges];
            e->next = ac->nodes[node].child_off;
            e->child = next;
            e->cid = (uint16_t)cid;
            ac->nodes[node].child_off = ++ac->n_edges;
            ac->nodes[node].child_n++;
        }
        node = next;
    }
    ac->nodes[node].value = value;
    if (value + 1 > ac->n_words) ac->n_words = value + 1;
    return 0;
}

static int cmp_edge(const void *a, const void *b) {
    const Edge *x = a, *y = b;
    if (x->node != y->node) return x->node < y->node ? -1 : 1;
    return x->cid < y->cid ? -1 : x->cid > y->cid;
}

/* Children into sorted arrays (and the root's into a table by cid), then the fail links. */
int ac_finish(AC *ac, const CharMap *cm) {
    int32_t ne = ac->n_edges;
    Edge *flat = PyMem_Malloc((size_t)(ne + 1) * sizeof(Edge));
    ac->child_cid = PyMem_Malloc((size_t)(ne + 1) * sizeof(uint16_t));
    ac->child_node = PyMem_Malloc((size_t)(ne + 1) * sizeof(int32_t));
    ac->root = PyMem_Calloc((size_t)cm->n + 1, sizeof(int32_t));
    int32_t *queue = PyMem_Malloc((size_t)ac->n_nodes * sizeof(int32_t));
    if (!flat || !ac->child_cid || !ac->child_node || !ac->root || !queue) {
        PyMem_Free(flat);
        PyMem_Free(queue);
        PyErr_NoMemory();
        return -1;
    }
    ac->n_cids = cm->n;
    int32_t k = 0;
    const BuildEdge *edges = ac->edges;
    for (int32_t node = 0; node < ac->n_nodes; node++)
        for (int32_t e = ac->nodes[node].child_off - 1; e >= 0; e = edges[e].next - 1) {
            flat[k].node = node;
            flat[k].child = edges[e].child;
            flat[k].cid = edges[e].cid;
            k++;
        }
    qsort(flat, (size_t)k, sizeof(Edge), cmp_edge);
    for (int32_t node = 0; node < ac->n_nodes; node++) ac->nodes[node].child_n = 0;
    for (int32_t i = 0; i < k; i++) {
        ACNode *nd = &ac->nodes[flat[i].node];
        if (nd->child_n == 0) nd->child_off = i;
        nd->child_n++;
        ac->child_cid[i] = flat[i].cid;
        ac->child_node[i] = flat[i].child;
        if (flat[i].node == 0) ac->root[flat[i].cid] = flat[i].child;
    }
    PyMem_Free(flat);
    PyMem_Free(ac->edges);
    ac->edges = NULL;
    /* breadth first, as make_automaton: a child's fail is the longest proper suffix in the trie */
    int32_t head = 0, tail = 0;
    ac->nodes[0].fail = -1;
    for (int32_t j = 0; j < ac->nodes[0].child_n; j++) {
        int32_t c = ac->child_node[ac->nodes[0].child_off + j];
        ac->nodes[c].fail = 0;
        queue[tail++] = c;
    }
    while (head < tail) {
        int32_t node = queue[head++];
        for (int32_t j = 0; j < ac->nodes[node].child_n; j++) {
            int32_t c = ac->child_node[ac->nodes[node].child_off + j];
            uint16_t cid = ac->child_cid[ac->nodes[node].child_off + j];
            queue[tail++] = c;
            int32_t state = ac->nodes[node].fail;
            while (state != 0 && ac_goto(ac, state, cid) < 0) state = ac->nodes[state].fail;
            int32_t f = ac_goto(ac, state, cid);
            ac->nodes[c].fail = f < 0 ? 0 : f;
        }
    }
    /* out: the nearest node on the fail chain where a word ends (breadth-first order: fails first) */
    for (int32_t i = 0; i < tail; i++) {
        ACNode *nd = &ac->nodes[queue[i]];
        int32_t f = nd->fail;
        nd->out = f <= 0 ? -1 : (ac->nodes[f].value >= 0 ? f : ac->nodes[f].out);
    }
    PyMem_Free(queue);
    return 0;
}

/* ---- matching ---------------------------------------------------------------------------- */
/* ahocorasick_next */
static inline int32_t ac_next(const AC *ac, int32_t node, uint16_t cid) {
    if (!cid) return 0;
    while (node >= 0) {
        int32_t t = ac_goto(ac, node, cid);
        if (t >= 0) return t;
        node = ac->nodes[node].fail;
    }
    return 0;
}

int ac_iter(const AC *ac, const uint16_t *t, Z n, ACHit *out, int cap) {
    int count = 0;
    int32_t state = 0;
    for (Z i = 0; i < n; i++) {
        state = ac_next(ac, state, t[i]);
        int32_t o = ac->nodes[state].value >= 0 ? state : ac->nodes[state].out;
        for (; o >= 0; o = ac->nodes[o].out) {
            if (count >= cap) return -1;
            out[count].end = (int32_t)i;
            out[count].value = ac->nodes[o].value;
            count++;
        }
    }
    return count;
}

int ac_any(const AC *ac, const uint16_t *t, Z n) {
    int32_t state = 0;
    for (Z i = 0; i < n; i++) {
        state = ac_next(ac, state, t[i]);
        if (ac->nodes[state].value >= 0 || ac->nodes[state].out >= 0) return 1;
    }
    return 0;
}

int ac_iter_long(const AC *ac, const uint16_t *t, Z n, ACHit *out, int cap) {
    int count = 0;
    int32_t state = 0;
    Z index = -1;
    int32_t last_node = -1;
    Z last_index = -1;
    for (;;) {
        /* one call of automaton_search_iter_long_next */
        int32_t fail_node = -1;
        Z fail_index = -1;
        int fail_flag = 0;
        index += 1;
        while (index < n) {
            int32_t next;
            if (fail_flag) {
                next = ac->nodes[fail_node].fail;
                index = fail_index;
                fail_node = -1;
                fail_index = -1;
                fail_flag = 0;
            } else {
                next = ac_goto(ac, state, t[index]);
            }
            if (next >= 0) {
                const ACNode *nx = &ac->nodes[next];
                if (nx->value >= 0) {
                    last_node = next;
                    last_index = index;
                } else if (last_node < 0 && fail_node < 0 && nx->fail > 0 && ac->nodes[nx->fail].value >= 0) {
                    fail_node = next;
                    fail_index = index;
                }
                state = next;
                index += 1;
            } else {
                if (last_node >= 0) break;
                if (fail_node >= 0) {
                    fail_flag = 1;
                    continue;
                }
                for (;;) {
                    state = ac->nodes[state].fail;
                    if (state < 0) {
                        state = 0;
                        index += 1;
                        break;
                    } else if (ac_goto(ac, state, t[index]) >= 0) {
                        break;
                    }
                }
            }
        }
        if (last_node < 0) return count;
        if (count >= cap) return -1;
        out[count].end = (int32_t)last_index;
        out[count].value = ac->nodes[last_node].value;
        count++;
        state = 0;
        index = last_index;
        last_node = -1;
        last_index = -1;
    }
}
