// SPDX-License-Identifier: MIT
/*
 * I/O ASID allocator: radix tree over the 32-bit ID space (see smmuv3/ioasid.h for semantics).
 *
 * Levels: 0 is a leaf (64 IDs, bits [5:0]); internal level L (1..5) has 64 children each covering
 * 2^(6L) IDs, so the root (level 5) resolves bits [35:30] of which only [31:30] are used. Internal
 * nodes keep `full`: bit i set when child i's subtree has no free ID. A missing child means "all
 * free", so the search for the lowest free ID never descends into more than two partial subtrees
 * per level (the ones containing min and max) and runs in O(levels).
 */
#include "smmuv3/ioasid.h"

#define FAN 64u
#define BITS 6u
#define TOP_LEVEL 5u
#define ID_LIMIT 0xFFFFFFFEull /* INVALID_IOASID is never handed out */

struct ioasid_rec {
	struct ioasid_set *set;
	void *priv;
};

struct ioasid_leaf {
	uint64_t used;
	struct ioasid_rec rec[FAN];
};

struct ioasid_node {
	void *child[FAN];
	uint64_t full;
	uint32_t nchild;
};

struct ioasid_group {
	struct ioasid_allocator_ops *ops; /* first ops of the group: its functions and pdata are used */
	struct ioasid_tree tree;
	struct ioasid_group *next;
};

/* ---- memory ------------------------------------------------------------------------------- */

static void *mem_alloc(struct ioasid_allocator *a, size_t size)
{
	void *p = a->mem.alloc(a->mem.ctx, size);
	if (p)
		a->bytes += size;
	return p;
}

static void mem_free(struct ioasid_allocator *a, void *p, size_t size)
{
	a->mem.free(a->mem.ctx, p, size);
	a->bytes -= size;
}

static void *new_node(struct ioasid_allocator *a, unsigned level)
{
	unsigned i;

	if (level == 0) {
		struct ioasid_leaf *l = mem_alloc(a, sizeof(*l));
		if (l)
			l->used = 0; /* records are read only under a set bit: no need to clear them */
		return l;
	}
	struct ioasid_node *n = mem_alloc(a, sizeof(*n));
	if (n) {
		for (i = 0; i < FAN; i++)
			n->child[i] = NULL;
		n->full = 0;
		n->nchild = 0;
	}
	return n;
}

static void free_node(struct ioasid_allocator *a, void *p, unsigned level)
{
	mem_free(a, p, level == 0 ? sizeof(struct ioasid_leaf) : sizeof(struct ioasid_node));
}

static void free_subtree(struct ioasid_allocator *a, void *p, unsigned level)
{
	unsigned i;

	if (!p)
		return;
	if (level > 0) {
		struct ioasid_node *n = p;
		for (i = 0; i < FAN; i++)
			free_subtree(a, n->child[i], level - 1);
	}
	free_node(a, p, level);
}

static void tree_clear(struct ioasid_allocator *a, struct ioasid_tree *t)
{
	free_subtree(a, t->root, TOP_LEVEL);
	t->root = NULL;
	t->count = 0;
}

/* ---- tree operations ---------------------------------------------------------------------- */

static unsigned idx_at(uint64_t id, unsigned level)
{
	return (unsigned)(id >> (BITS * level)) & (FAN - 1);
}

/* Bits lo..hi inclusive (0 <= lo <= hi <= 63). */
static uint64_t range_mask(unsigned lo, unsigned hi)
{
	uint64_t upper = hi == 63 ? ~0ull : ((1ull << (hi + 1)) - 1);
	return upper & ~((1ull << lo) - 1);
}

/* Lowest free ID in [min, max] within the subtree at node (covering IDs from base). */
static bool find_free(const void *p, unsigned level, uint64_t base, uint64_t min, uint64_t max,
		      uint64_t *out)
{
	const uint64_t span = 1ull << (BITS * (level + 1));
	const uint64_t lo = min > base ? min : base;
	const uint64_t hi = max < base + span - 1 ? max : base + span - 1;

	if (lo > hi)
		return false;
	if (!p) {
		*out = lo;
		return true;
	}
	if (level == 0) {
		const struct ioasid_leaf *l = p;
		uint64_t cand = ~l->used & range_mask((unsigned)(lo - base), (unsigned)(hi - base));
		if (!cand)
			return false;
		*out = base + (uint64_t)__builtin_ctzll(cand);
		return true;
	}
	const struct ioasid_node *n = p;
	const unsigned cshift = BITS * level;
	uint64_t cand = ~n->full & range_mask((unsigned)((lo - base) >> cshift),
					      (unsigned)((hi - base) >> cshift));
	while (cand) {
		unsigned i = (unsigned)__builtin_ctzll(cand);
		cand &= cand - 1;
		if (find_free(n->child[i], level - 1, base + ((uint64_t)i << cshift), min, max, out))
			return true;
	}
	return false;
}

/* The leaf holding id, or NULL. */
static struct ioasid_leaf *find_leaf(const struct ioasid_tree *t, uint64_t id)
{
	void *p = t->root;
	unsigned level;

	for (level = TOP_LEVEL; p && level > 0; level--)
		p = ((struct ioasid_node *)p)->child[idx_at(id, level)];
	return p;
}

static struct ioasid_rec *find_rec(const struct ioasid_tree *t, uint64_t id)
{
	struct ioasid_leaf *l;

	if (id > ID_LIMIT)
		return NULL;
	l = find_leaf(t, id);
	if (!l || !(l->used & (1ull << (id & (FAN - 1)))))
		return NULL;
	return &l->rec[id & (FAN - 1)];
}

/*
 * Releases empty nodes along id's path bottom-up (used after a failed insert and after erase).
 * path[level] is the node at that level (path[TOP_LEVEL] the root).
 */
static void prune(struct ioasid_allocator *a, struct ioasid_tree *t, void *path[TOP_LEVEL + 1],
		  uint64_t id)
{
	unsigned level;

	for (level = 0; level <= TOP_LEVEL; level++) {
		void *p = path[level];
		bool empty;

		if (!p)
			continue;
		empty = level == 0 ? ((struct ioasid_leaf *)p)->used == 0
				   : ((struct ioasid_node *)p)->nchild == 0;
		if (!empty)
			return;
		free_node(a, p, level);
		if (level == TOP_LEVEL) {
			t->root = NULL;
		} else {
			struct ioasid_node *parent = path[level + 1];
			parent->child[idx_at(id, level + 1)] = NULL;
			parent->nchild--;
		}
	}
}

/* Records id (which must be free in t). 0, -SMMU_EBUSY if present, -SMMU_ENOMEM. */
static int tree_insert(struct ioasid_allocator *a, struct ioasid_tree *t, uint64_t id,
		       struct ioasid_set *set, void *priv)
{
	void *path[TOP_LEVEL + 1] = { NULL };
	unsigned level;
	struct ioasid_leaf *l;
	uint64_t bit = 1ull << (id & (FAN - 1));

	if (!t->root) {
		t->root = new_node(a, TOP_LEVEL);
		if (!t->root)
			return -SMMU_ENOMEM;
	}
	path[TOP_LEVEL] = t->root;
	for (level = TOP_LEVEL; level > 0; level--) {
		struct ioasid_node *n = path[level];
		unsigned i = idx_at(id, level);
		if (!n->child[i]) {
			n->child[i] = new_node(a, level - 1);
			if (!n->child[i]) {
				prune(a, t, path, id);
				return -SMMU_ENOMEM;
			}
			n->nchild++;
		}
		path[level - 1] = n->child[i];
	}
	l = path[0];
	if (l->used & bit)
		return -SMMU_EBUSY;
	l->used |= bit;
	l->rec[id & (FAN - 1)].set = set;
	l->rec[id & (FAN - 1)].priv = priv;
	t->count++;
	/* Propagate "full" upwards while subtrees become completely allocated. */
	if (l->used == ~0ull) {
		for (level = 1; level <= TOP_LEVEL; level++) {
			struct ioasid_node *n = path[level];
			n->full |= 1ull << idx_at(id, level);
			if (n->full != ~0ull)
				break;
		}
	}
	return 0;
}

/* Removes id; false if it was not recorded. */
static bool tree_erase(struct ioasid_allocator *a, struct ioasid_tree *t, uint64_t id)
{
	void *path[TOP_LEVEL + 1] = { NULL };
	unsigned level;
	struct ioasid_leaf *l;
	uint64_t bit = 1ull << (id & (FAN - 1));

	if (id > ID_LIMIT || !t->root)
		return false;
	path[TOP_LEVEL] = t->root;
	for (level = TOP_LEVEL; level > 0; level--) {
		path[level - 1] = ((struct ioasid_node *)path[level])->child[idx_at(id, level)];
		if (!path[level - 1])
			return false;
	}
	l = path[0];
	if (!(l->used & bit))
		return false;
	l->used &= ~bit;
	t->count--;
	for (level = 1; level <= TOP_LEVEL; level++)
		((struct ioasid_node *)path[level])->full &= ~(1ull << idx_at(id, level));
	prune(a, t, path, id);
	return true;
}

/* ---- allocator ---------------------------------------------------------------------------- */

static struct ioasid_tree *active_tree(struct ioasid_allocator *a)
{
	return a->active ? &a->active->tree : &a->default_tree;
}

int ioasid_allocator_init(struct ioasid_allocator *a, const struct ioasid_mem_ops *mem)
{
	if (!a || !mem || !mem->alloc || !mem->free)
		return -SMMU_EINVAL;
	a->mem = *mem;
	a->default_tree.root = NULL;
	a->default_tree.count = 0;
	a->groups = NULL;
	a->active = NULL;
	a->bytes = 0;
	return 0;
}

void ioasid_allocator_destroy(struct ioasid_allocator *a)
{
	struct ioasid_group *g, *next;

	tree_clear(a, &a->default_tree);
	for (g = a->groups; g; g = next) {
		next = g->next;
		tree_clear(a, &g->tree);
		mem_free(a, g, sizeof(*g));
	}
	a->groups = NULL;
	a->active = NULL;
}

ioasid_t ioasid_alloc(struct ioasid_allocator *a, struct ioasid_set *set, ioasid_t min, ioasid_t max,
		      void *private_data)
{
	uint64_t hi = max > ID_LIMIT ? ID_LIMIT : max;
	uint64_t id;

	if (min > hi)
		return INVALID_IOASID;
	if (a->active) {
		struct ioasid_group *g = a->active;
		ioasid_t got = g->ops->alloc(min, max, g->ops->pdata);
		if (got == INVALID_IOASID)
			return INVALID_IOASID;
		if (got < min || got > hi || tree_insert(a, &g->tree, got, set, private_data)) {
			g->ops->free(got, g->ops->pdata);
			return INVALID_IOASID;
		}
		return got;
	}
	if (!find_free(a->default_tree.root, TOP_LEVEL, 0, min, hi, &id))
		return INVALID_IOASID;
	if (tree_insert(a, &a->default_tree, id, set, private_data))
		return INVALID_IOASID;
	return (ioasid_t)id;
}

void ioasid_free(struct ioasid_allocator *a, ioasid_t id)
{
	struct ioasid_tree *t = active_tree(a);

	if (!find_rec(t, id))
		return;
	if (a->active)
		a->active->ops->free(id, a->active->ops->pdata);
	tree_erase(a, t, id);
}

void *ioasid_find(struct ioasid_allocator *a, struct ioasid_set *set, ioasid_t id,
		  bool (*getter)(void *))
{
	struct ioasid_rec *r = find_rec(active_tree(a), id);

	if (!r)
		return IOASID_ERR_PTR(-SMMU_ENOENT);
	if (set && r->set != set)
		return IOASID_ERR_PTR(-SMMU_EACCES);
	if (getter && !getter(r->priv))
		return NULL;
	return r->priv;
}

int ioasid_set_data(struct ioasid_allocator *a, ioasid_t id, void *data)
{
	struct ioasid_rec *r = find_rec(active_tree(a), id);

	if (!r)
		return -SMMU_ENOENT;
	r->priv = data;
	return 0;
}

int ioasid_register_allocator(struct ioasid_allocator *a, struct ioasid_allocator_ops *ops)
{
	struct ioasid_group *g, **tail;
	struct ioasid_allocator_ops *o;

	if (!ops || !ops->alloc || !ops->free)
		return -SMMU_EINVAL;
	for (g = a->groups; g; g = g->next)
		for (o = g->ops; o; o = o->next)
			if (o == ops)
				return -SMMU_EEXIST;
	for (g = a->groups; g; g = g->next) {
		if (g->ops->alloc == ops->alloc && g->ops->free == ops->free) {
			/* Same functions: join the group and share its ID space. */
			for (o = g->ops; o->next; o = o->next)
				;
			o->next = ops;
			ops->next = NULL;
			return 0;
		}
	}
	if (!a->groups && a->default_tree.count)
		return -SMMU_EAGAIN;
	g = mem_alloc(a, sizeof(*g));
	if (!g)
		return -SMMU_ENOMEM;
	ops->next = NULL;
	g->ops = ops;
	g->tree.root = NULL;
	g->tree.count = 0;
	g->next = NULL;
	for (tail = &a->groups; *tail; tail = &(*tail)->next)
		;
	*tail = g;
	if (!a->active)
		a->active = g;
	return 0;
}

int ioasid_unregister_allocator(struct ioasid_allocator *a, struct ioasid_allocator_ops *ops)
{
	struct ioasid_group *g, **link;
	struct ioasid_allocator_ops **op;
	int ret = 0;

	for (link = &a->groups; (g = *link); link = &g->next) {
		for (op = &g->ops; *op; op = &(*op)->next) {
			if (*op != ops)
				continue;
			*op = ops->next; /* unlink; if it was the head, the next ops leads */
			ops->next = NULL;
			if (g->ops)
				return 0;
			/* Last ops of the group: the group and its ID space go. */
			if (g->tree.count)
				ret = -SMMU_EBUSY;
			tree_clear(a, &g->tree);
			*link = g->next;
			if (a->active == g)
				a->active = a->groups; /* next registered, or NULL = default */
			mem_free(a, g, sizeof(*g));
			return ret;
		}
	}
	return -SMMU_ENOENT;
}

size_t ioasid_count(const struct ioasid_allocator *a)
{
	return a->active ? a->active->tree.count : a->default_tree.count;
}

size_t ioasid_mem_bytes(const struct ioasid_allocator *a)
{
	return a->bytes;
}
