/* Aho-Corasick automata with pyahocorasick's matching rules (lexicon.py builds its automata with
 * pyahocorasick; the classifier reads them with .iter and .iter_long). A trie's fail links are
 * defined by its words alone, and the two loops below follow pyahocorasick's own
 * (AutomatonSearchIter.c, AutomatonSearchIterLong.c), so the same words give the same matches
 * in the same order, including iter_long's quirks. */
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

static inline size_t slot_of(uint64_t key, size_t mask) {
    return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 29) & mask;
}

static inline uint64_t key_of(int32_t node, U ch) { return (((uint64_t)node << 21) | (uint64_t)ch) + 1; }

int32_t ac_goto(const AC *ac, int32_t node, U ch) {
    if (node == 0 && ch < 0x10000) {
        int32_t v = ac->root[ch];
        return v ? v : -1;
    }
    if (!ac->keys) return -1;
    uint64_t key = key_of(node, ch);
    size_t i = slot_of(key, ac->mask);
    for (;;) {
        uint64_t k = ac->keys[i];
        if (k == key) return ac->vals[i];
        if (k == 0) return -1;
        i = (i + 1) & ac->mask;
    }
}

static int table_grow(AC *ac) {
    size_t size = ac->keys ? (ac->mask + 1) * 2 : 1024;
    uint64_t *keys = PyMem_Calloc(size, sizeof(uint64_t));
    int32_t *vals = PyMem_Calloc(size, sizeof(int32_t));
    if (!keys || !vals) {
        PyMem_Free(keys);
        PyMem_Free(vals);
        PyErr_NoMemory();
        return -1;
    }
    if (ac->keys) {
        for (size_t i = 0; i <= ac->mask; i++) {
            uint64_t k = ac->keys[i];
            if (!k) continue;
            size_t j = slot_of(k, size - 1);
            while (keys[j]) j = (j + 1) & (size - 1);
            keys[j] = k;
            vals[j] = ac->vals[i];
        }
    }
    PyMem_Free(ac->keys);
    PyMem_Free(ac->vals);
    ac->keys = keys;
    ac->vals = vals;
    ac->mask = size - 1;
    return 0;
}

static int set_edge(AC *ac, int32_t node, U ch, int32_t child) {
    if (node == 0 && ch < 0x10000) {
        ac->root[ch] = child;
        return 0;
    }
    if (!ac->keys || (ac->used + 1) * 2 > ac->mask + 1) {
        if (table_grow(ac) < 0) return -1;
    }
    uint64_t key = key_of(node, ch);
    size_t i = slot_of(key, ac->mask);
    while (ac->keys[i] && ac->keys[i] != key) i = (i + 1) & ac->mask;
    if (!ac->keys[i]) ac->used++;
    ac->keys[i] = key;
    ac->vals[i] = child;
    return 0;
}

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
    ac->nodes[id].fail = -1;
    ac->nodes[id].value = -1;
    ac->nodes[id].depth = depth;
    ac->nodes[id].first_child = -1;
    ac->nodes[id].next_sibling = -1;
    ac->nodes[id].ch = 0;
    return id;
}

int ac_init(AC *ac) {
    memset(ac, 0, sizeof(*ac));
    ac->root = PyMem_Calloc(0x10000, sizeof(int32_t));
    if (!ac->root) {
        PyErr_NoMemory();
        return -1;
    }
    return new_node(ac, 0) < 0 ? -1 : 0;
}

void ac_free(AC *ac) {
    PyMem_Free(ac->nodes);
    PyMem_Free(ac->keys);
    PyMem_Free(ac->vals);
    PyMem_Free(ac->root);
    memset(ac, 0, sizeof(*ac));
}

int ac_add(AC *ac, const U *word, Z len, int32_t value) {
    if (len <= 0) return 0;
    int32_t node = 0;
    for (Z i = 0; i < len; i++) {
        int32_t next = ac_goto(ac, node, word[i]);
        if (next < 0) {
            next = new_node(ac, (int32_t)i + 1);
            if (next < 0) return -1;
            ac->nodes[next].ch = word[i];
            ac->nodes[next].next_sibling = ac->nodes[node].first_child;
            ac->nodes[node].first_child = next;
            if (set_edge(ac, node, word[i], next) < 0) return -1;
        }
        node = next;
    }
    ac->nodes[node].value = value;
    if (value + 1 > ac->n_words) ac->n_words = value + 1;
    return 0;
}

int ac_finish(AC *ac) {
    /* breadth first, as make_automaton: a child's fail is the longest proper suffix in the trie */
    int32_t *queue = PyMem_Malloc((size_t)ac->n_nodes * sizeof(int32_t));
    if (!queue) {
        PyErr_NoMemory();
        return -1;
    }
    int32_t head = 0, tail = 0;
    ac->nodes[0].fail = -1;
    for (int32_t c = ac->nodes[0].first_child; c >= 0; c = ac->nodes[c].next_sibling) {
        ac->nodes[c].fail = 0;
        queue[tail++] = c;
    }
    while (head < tail) {
        int32_t node = queue[head++];
        for (int32_t c = ac->nodes[node].first_child; c >= 0; c = ac->nodes[c].next_sibling) {
            queue[tail++] = c;
            U letter = ac->nodes[c].ch;
            int32_t state = ac->nodes[node].fail;
            while (state != 0 && ac_goto(ac, state, letter) < 0) state = ac->nodes[state].fail;
            int32_t f = ac_goto(ac, state, letter);
            ac->nodes[c].fail = f < 0 ? 0 : f;
        }
    }
    PyMem_Free(queue);
    return 0;
}

/* ahocorasick_next */
static inline int32_t ac_next(const AC *ac, int32_t node, U ch) {
    while (node >= 0) {
        int32_t t = ac_goto(ac, node, ch);
        if (t >= 0) return t;
        node = ac->nodes[node].fail;
    }
    return 0;
}

int ac_iter(const AC *ac, const U *t, Z n, ACHit *out, int cap) {
    int count = 0;
    int32_t state = 0;
    for (Z i = 0; i < n; i++) {
        state = ac_next(ac, state, t[i]);
        for (int32_t o = state; o >= 0; o = ac->nodes[o].fail) {
            if (ac->nodes[o].value < 0) continue;
            if (count >= cap) return -1;
            out[count].end = (int32_t)i;
            out[count].value = ac->nodes[o].value;
            count++;
        }
    }
    return count;
}

int ac_any(const AC *ac, const U *t, Z n) {
    int32_t state = 0;
    for (Z i = 0; i < n; i++) {
        state = ac_next(ac, state, t[i]);
        for (int32_t o = state; o >= 0; o = ac->nodes[o].fail)
            if (ac->nodes[o].value >= 0) return 1;
    }
    return 0;
}

int ac_iter_long(const AC *ac, const U *t, Z n, ACHit *out, int cap) {
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
