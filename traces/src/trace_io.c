/* SPDX-License-Identifier: MIT */
/* Trace reader and writer: text records through zlib (gzread reads plain files transparently). */
#include "smmusim/trace.h"
#include "smmusim/number.h"
#include "trace_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define VERSION_LINE "smmusim-trace"

/* ---- Interned names: each distinct device/domain name is stored once ------------------------- */

static uint32_t name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static bool names_grow(struct name_table *t)
{
	size_t nsize = t->size ? t->size * 2 : 64;
	char **slots = calloc(nsize, sizeof(*slots));
	uint32_t *hashes = calloc(nsize, sizeof(*hashes));
	uint32_t *ids = calloc(nsize, sizeof(*ids));
	if (!slots || !hashes || !ids) {
		free(slots);
		free(hashes);
		free(ids);
		return false;
	}
	for (size_t i = 0; i < t->size; i++) {
		if (!t->slots[i])
			continue;
		size_t j = t->hashes[i] & (nsize - 1);
		while (slots[j])
			j = (j + 1) & (nsize - 1);
		slots[j] = t->slots[i];
		hashes[j] = t->hashes[i];
		ids[j] = t->ids[i];
	}
	free(t->slots);
	free(t->hashes);
	free(t->ids);
	t->slots = slots;
	t->hashes = hashes;
	t->ids = ids;
	t->size = nsize;
	return true;
}

const char *names_intern(struct name_table *t, const char *s, size_t len, uint32_t *id)
{
	if ((t->used + 1) * 2 > t->size && !names_grow(t))
		return NULL;
	uint32_t h = name_hash(s, len);
	size_t j = h & (t->size - 1);
	while (t->slots[j]) {
		if (t->hashes[j] == h && strncmp(t->slots[j], s, len) == 0 && t->slots[j][len] == '\0') {
			if (id)
				*id = t->ids[j];
			return t->slots[j];
		}
		j = (j + 1) & (t->size - 1);
	}
	if (t->arena_left < len + 1) {
		char **chunks = realloc(t->chunks, (t->nchunks + 1) * sizeof(*chunks));
		if (!chunks)
			return NULL;
		t->chunks = chunks;
		t->arena = malloc(65536);
		if (!t->arena)
			return NULL;
		t->chunks[t->nchunks++] = t->arena;
		t->arena_left = 65536;
	}
	char *copy = t->arena;
	memcpy(copy, s, len);
	copy[len] = '\0';
	t->arena += len + 1;
	t->arena_left -= len + 1;
	t->slots[j] = copy;
	t->hashes[j] = h;
	t->ids[j] = (uint32_t)t->used;
	if (id)
		*id = t->ids[j];
	t->used++;
	return copy;
}

void names_free(struct name_table *t)
{
	for (size_t i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->slots);
	free(t->hashes);
	free(t->ids);
	memset(t, 0, sizeof(*t));
}

/* ---- Messages ------------------------------------------------------------------------------- */
size_t trace_escape(char *dst, size_t dstlen, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	if (!dstlen)
		return 0;
	for (; *src && o + 1 < dstlen; src++) {
		unsigned char c = (unsigned char)*src;
		if (c >= 0x20 && c < 0x7f) {
			dst[o++] = (char)c;
		} else if (o + 4 < dstlen) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			break;
		}
	}
	dst[o] = '\0';
	return o;
}

/* ---- Lines: one reader of text lines for traces and importers -------------------------------- */
/*
 * Lines come out of large gzread chunks (zlib reads plain files transparently). Damage found in a
 * chunk (zlib's verdict on a truncated or corrupt stream, a NUL byte) is held back until every
 * whole line before it has been delivered, so the error names the line where the damage is.
 */
int lines_fail(trace_lines *l, const char *msg)
{
	char esc[400];
	trace_escape(esc, sizeof(esc), msg);
	snprintf(l->err, sizeof(l->err), "%s:%llu: %s", l->path, (unsigned long long)l->line, esc);
	return -1;
}

static bool lines_init(trace_lines *l, const char *path, size_t max_line, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->max_line = max_line;
	l->path = strdup(path);
	l->buf = malloc(IO_CHUNK + max_line + 1);
	errno = 0;
	if (strcmp(path, "-") == 0) {
		int fd = dup(0);
		l->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
	} else {
		struct stat st;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: cannot read: is a directory", path);
			return false;
		}
		l->gz = gzopen(path, "rb");
	}
	if (!l->path || !l->buf || !l->gz) {
		snprintf(err, errlen, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
		return false;
	}
	gzbuffer(l->gz, 256 * 1024);
	return true;
}

static void lines_end(trace_lines *l)
{
	if (l->gz)
		gzclose(l->gz);
	free(l->buf);
	free(l->path);
}

/* Refill the buffer. 0 ok (maybe eof, maybe damage pending), -1 error. */
static int lines_refill(trace_lines *l)
{
	size_t left = l->end - l->start;
	if (left > l->max_line) {
		l->line++;
		char msg[80];
		snprintf(msg, sizeof(msg), "line longer than %zu bytes (is this a text file?)", l->max_line);
		return lines_fail(l, msg);
	}
	memmove(l->buf, l->buf + l->start, left);
	l->start = 0;
	l->end = left;
	errno = 0;
	int n = gzread(l->gz, l->buf + left, IO_CHUNK);
	int zerr = Z_OK;
	const char *zmsg = gzerror(l->gz, &zerr);
	if (n > 0) {
		/* A NUL is no text: everything from it on is damage. */
		char *nul = memchr(l->buf + left, '\0', (size_t)n);
		if (nul) {
			n = (int)(nul - (l->buf + left));
			snprintf(l->pending, sizeof(l->pending), "NUL byte in the input (binary data, not text)");
			l->eof = true;
		}
		l->end += (size_t)n;
	}
	if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
		size_t plen = strlen(l->path); /* zlib prefixes its message with the path: say it once */
		if (zmsg && strncmp(zmsg, l->path, plen) == 0 && zmsg[plen] == ':' && zmsg[plen + 1] == ' ')
			zmsg += plen + 2;
		if (!l->pending[0])
			snprintf(l->pending, sizeof(l->pending), "corrupt or truncated input: %s",
				 zerr == Z_ERRNO ? strerror(errno) : zmsg ? zmsg : "zlib error");
		l->eof = true;
	}
	if (n == 0)
		l->eof = true;
	return 0;
}

/* 1: the next line in *line (NUL-terminated, no "\n" or "\r\n"), *len bytes; 0: end; -1: error. */
static inline int lines_next(trace_lines *l, char **line, size_t *len)
{
	for (;;) {
		char *p = l->buf + l->start;
		size_t avail = l->end - l->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;
		size_t n;
		if (nl) {
			n = (size_t)(nl - p);
			l->start += n + 1;
			if (n > l->max_line) {
				l->line++;
				char msg[80];
				snprintf(msg, sizeof(msg), "line longer than %zu bytes (is this a text file?)", l->max_line);
				return lines_fail(l, msg);
			}
		} else if (!l->eof) {
			if (lines_refill(l) < 0)
				return -1;
			continue;
		} else if (l->pending[0]) {
			l->line++; /* the line the damage cuts: its start (if any) is not trusted */
			return lines_fail(l, l->pending);
		} else if (avail) {
			n = avail; /* last line without a newline */
			l->start = l->end;
		} else {
			return 0;
		}
		l->line++;
		if (n && p[n - 1] == '\r')
			n--;
		p[n] = '\0';
		*line = p;
		*len = n;
		return 1;
	}
}

trace_lines *trace_lines_open(const char *path, size_t max_line, char *err, size_t errlen)
{
	trace_lines *l = malloc(sizeof(*l));
	if (!l) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (!lines_init(l, path, max_line, err, errlen)) {
		lines_end(l);
		free(l);
		return NULL;
	}
	return l;
}

int trace_lines_next(trace_lines *l, char **line, size_t *len) { return lines_next(l, line, len); }
const char *trace_lines_error(const trace_lines *l) { return l->err; }
uint64_t trace_lines_number(const trace_lines *l) { return l->line; }
uint64_t trace_lines_bytes_in(const trace_lines *l) { return (uint64_t)gzoffset(l->gz); }

void trace_lines_close(trace_lines *l)
{
	if (!l)
		return;
	lines_end(l);
	free(l);
}

/* ---- Reader ---------------------------------------------------------------------------------- */
static int fail(trace_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(trace_reader *r, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return lines_fail(&r->in, msg);
}

trace_reader *trace_reader_open(const char *path, char *err, size_t errlen)
{
	trace_reader *r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if (!lines_init(&r->in, path, MAX_LINE, err, errlen)) {
		trace_reader_close(r);
		return NULL;
	}
	/*
	 * The first bytes say which form this is; a text trace keeps them as the start of its first line.
	 * Damage zlib may have found already is left to the next read, which reports it at its line.
	 */
	int n = gzread(r->in.gz, r->in.buf, BIN_MAGIC_LEN);
	r->in.end = n > 0 ? (size_t)n : 0;
	char *nul = memchr(r->in.buf, '\0', r->in.end);
	if (nul) { /* as lines_refill: a NUL is no text */
		r->in.end = (size_t)(nul - r->in.buf);
		snprintf(r->in.pending, sizeof(r->in.pending), "NUL byte in the input (binary data, not text)");
		r->in.eof = true;
	}
	if (r->in.end == BIN_MAGIC_LEN && memcmp(r->in.buf, BIN_MAGIC, BIN_MAGIC_LEN) == 0 &&
	    bin_reader_start(r) < 0) {
		snprintf(err, errlen, "%s", r->in.err);
		trace_reader_close(r);
		return NULL;
	}
	return r;
}

void trace_reader_close(trace_reader *r)
{
	if (!r)
		return;
	bin_reader_free(r);
	lines_end(&r->in);
	names_free(&r->names);
	free(r);
}

const char *trace_reader_error(const trace_reader *r) { return r->in.err; }
bool trace_reader_binary(const trace_reader *r) { return r->bin != NULL; }
uint64_t trace_reader_line(const trace_reader *r) { return r->in.line; }
uint64_t trace_reader_bytes_in(const trace_reader *r) { return (uint64_t)gzoffset(r->in.gz); }

int trace_reader_next(trace_reader *r, struct trace_record *rec)
{
	if (r->bin)
		return bin_reader_next(r, rec);
	for (;;) {
		char *p = NULL;
		size_t len = 0;
		int rc = lines_next(&r->in, &p, &len);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (!r->seen_version) {
				r->in.line++;
				return fail(r, "empty trace: the first line must be \"%s %d\"", VERSION_LINE,
					    TRACE_VERSION);
			}
			return 0;
		}
		rc = trace_parse_line(r, p, len, rec);
		if (rc != 0)
			return rc; /* 1: a record; -1: error */
	}
}

/* ---- Line parsing (the hot path: no sscanf, no strtok, no allocation) ------------------------- */
/* The characters that end a token: the line's NUL, space and tab; and the spaces alone (one load per
 * character each). */
static const bool tok_end[256] = {[0] = true, [' '] = true, ['\t'] = true};
static const bool spaces[256] = {[' '] = true, ['\t'] = true};
static inline bool is_space(char c) { return spaces[(unsigned char)c]; }

/* Next whitespace-separated token; false at end of line. */
static inline bool next_tok(char **pp, char **tok, size_t *len)
{
	char *p = *pp;
	while (is_space(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return false;
	char *s = p;
	while (!tok_end[(unsigned char)*p])
		p++;
	*tok = s;
	*len = (size_t)(p - s);
	*pp = p;
	return true;
}

static inline bool tok_is(const char *t, size_t len, const char *word)
{
	size_t wl = strlen(word);
	return len == wl && memcmp(t, word, wl) == 0;
}

/* A "key=" prefix on a token: returns the value part or NULL. */
static inline const char *tok_key(const char *t, size_t len, const char *key, size_t *vlen)
{
	size_t kl = strlen(key);
	if (len <= kl || memcmp(t, key, kl) != 0 || t[kl] != '=')
		return NULL;
	*vlen = len - kl - 1;
	return t + kl + 1;
}

bool name_ok(const char *t, size_t len)
{
	if (len == 0 || len > MAX_NAME)
		return false;
	char c = t[0] | 0x20;
	if (!(c >= 'a' && c <= 'z') && t[0] != '_')
		return false; /* names start with a letter so a bare number is never a name */
	for (size_t i = 0; i < len; i++) {
		char d = t[i];
		if (!((d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') || (d >= '0' && d <= '9') || d == '_' ||
		      d == '-' || d == '.' || d == ':'))
			return false;
	}
	return true;
}

#define NUM(tok, len, dst, what)                                                                    \
	do {                                                                                        \
		uint64_t v_;                                                                        \
		if (!smmusim_parse_u64(tok, len, SMMUSIM_NUM_SUFFIX, &v_))                                          \
			return fail(r, "bad number for %s: \"%.*s\"", what, (int)(len), tok);       \
		dst = v_;                                                                           \
	} while (0)

static int intern(trace_reader *r, const char *t, size_t len, const char **out, const char *what)
{
	size_t same = 0; /* names are short: a loop beats a call to memcmp */
	if (len == r->last_len)
		while (same < len && t[same] == r->last_name[same])
			same++;
	if (len == r->last_len && same == len) {
		*out = r->last_name;
		return 0;
	}
	if (!name_ok(t, len))
		return fail(r, "bad %s name \"%.*s\" (a letter, then letters, digits, _ - . :; at most %u)", what,
			    (int)len, t, MAX_NAME);
	*out = names_intern(&r->names, t, len, NULL);
	if (!*out)
		return fail(r, "out of memory");
	r->last_name = *out;
	r->last_len = len;
	return 0;
}

static int need(trace_reader *r, char **p, char **t, size_t *len, const char *kw, const char *what)
{
	if (!next_tok(p, t, len))
		return fail(r, "%s: missing %s", kw, what);
	return 0;
}

/*
 * A number at *pp, parsed as it is scanned (the hot path reads each digit once), that ends at a
 * space or the end of the line; num_field skips the spaces before it first.
 */
static int num_token(trace_reader *r, char **pp, const char *end, unsigned flags, uint64_t *v, const char *what)
{
	char *p = *pp;
	size_t n = smmusim_parse_u64_prefix(p, (size_t)(end - p), flags, v);
	if (n == 0 || !tok_end[(unsigned char)p[n]]) {
		char *s = p;
		while (*p && !is_space(*p))
			p++;
		return fail(r, "bad number for %s: \"%.*s\"", what, (int)(p - s), s);
	}
	*pp = p + n;
	return 0;
}

static int num_field(trace_reader *r, char **pp, const char *end, unsigned flags, uint64_t *v, const char *kw,
		     const char *what)
{
	while (is_space(**pp))
		(*pp)++;
	if (**pp == '\0' || **pp == '#')
		return fail(r, "%s: missing %s", kw, what);
	return num_token(r, pp, end, flags, v, what);
}

static int parse_dma(trace_reader *r, char *p, const char *end, struct trace_record *rec, bool write)
{
	char *t = NULL;
	size_t len = 0;
	const char *kw = write ? "w" : "r";
	rec->kind = TRACE_DMA;
	memset(&rec->u.dma, 0, sizeof(rec->u.dma));
	rec->u.dma.write = write;
	/*
	 * Most DMA records name the device the record before named: compared with that (interned,
	 * already checked) name as the token is scanned, in one pass. Anything else takes the general path.
	 */
	while (is_space(*p))
		p++;
	const char *last = r->last_name;
	size_t k = 0;
	if (last)
		while (last[k] && p[k] == last[k])
			k++;
	if (last && !last[k] && tok_end[(unsigned char)p[k]]) {
		rec->u.dma.dev = last;
		p += k;
	} else if (need(r, &p, &t, &len, kw, "device") < 0) {
		return -1;
	} else if (t[0] >= '0' && t[0] <= '9') {
		uint64_t sid;
		NUM(t, len, sid, "StreamID");
		if (sid > 0xffffffffu)
			return fail(r, "StreamID %llu out of range", (unsigned long long)sid);
		rec->u.dma.has_sid = true;
		rec->u.dma.sid = (uint32_t)sid;
	} else if (intern(r, t, len, &rec->u.dma.dev, "device") < 0) {
		return -1;
	}
	uint64_t size = 0; /* set by num_field, which gcc -O2 cannot see (-Wmaybe-uninitialized) */
	if (num_field(r, &p, end, SMMUSIM_NUM_SUFFIX, &rec->u.dma.addr, kw, "address") < 0 ||
	    num_field(r, &p, end, SMMUSIM_NUM_SUFFIX, &size, kw, "size") < 0)
		return -1;
	if (size == 0 || size > TRACE_PAGE_SIZE)
		return fail(r, "DMA size %llu out of range 1..4096", (unsigned long long)size);
	if ((rec->u.dma.addr & (TRACE_PAGE_SIZE - 1)) + size > TRACE_PAGE_SIZE)
		return fail(r, "DMA of %llu bytes at 0x%llx crosses a 4 KiB boundary", (unsigned long long)size,
			    (unsigned long long)rec->u.dma.addr);
	rec->u.dma.size = (uint32_t)size;
	while (next_tok(&p, &t, &len)) {
		const char *v;
		size_t vl;
		if ((v = tok_key(t, len, "pasid", &vl))) {
			if (v[0] >= '0' && v[0] <= '9') {
				uint64_t n;
				NUM(v, vl, n, "pasid");
				if (n >= (1u << 20))
					return fail(r, "PASID %llu out of range (20 bits)", (unsigned long long)n);
				rec->u.dma.pasid_mode = TRACE_PASID_NUMBER;
				rec->u.dma.pasid = (uint32_t)n;
			} else {
				if (intern(r, v, vl, &rec->u.dma.pasid_dom, "domain") < 0)
					return -1;
				rec->u.dma.pasid_mode = TRACE_PASID_DOMAIN;
			}
		} else if ((v = tok_key(t, len, "sid", &vl))) {
			uint64_t n;
			NUM(v, vl, n, "sid");
			if (n > 0xffffffffu)
				return fail(r, "StreamID %llu out of range", (unsigned long long)n);
			rec->u.dma.has_sid = true;
			rec->u.dma.sid = (uint32_t)n;
		} else if (tok_is(t, len, "priv")) {
			rec->u.dma.priv = true;
		} else if (tok_is(t, len, "instr")) {
			if (write)
				return fail(r, "instr is for reads only");
			rec->u.dma.instr = true;
		} else {
			return fail(r, "%s: unknown option \"%.*s\"", kw, (int)len, t);
		}
	}
	return 1;
}

static int parse_prot(trace_reader *r, const char *t, size_t len, uint32_t *prot)
{
	uint32_t p = 0;
	if (tok_is(t, len, "none")) {
		*prot = 0;
		return 0;
	}
	for (size_t i = 0; i < len; i++) {
		switch (t[i]) {
		case 'r': p |= TRACE_PROT_READ; break;
		case 'w': p |= TRACE_PROT_WRITE; break;
		case 'x': p |= TRACE_PROT_EXEC; break;
		case 'p': p |= TRACE_PROT_PRIV; break;
		default: return fail(r, "bad protection \"%.*s\" (letters r w x p, or none)", (int)len, t);
		}
	}
	*prot = p;
	return 0;
}

static int check_page(trace_reader *r, uint64_t v, const char *what)
{
	if (v & (TRACE_PAGE_SIZE - 1))
		return fail(r, "%s 0x%llx is not 4 KiB aligned", what, (unsigned long long)v);
	return 0;
}

static int parse_control(trace_reader *r, char *kw, size_t kwlen, char *p, struct trace_record *rec)
{
	char *t = NULL;
	size_t len = 0;
	char kwbuf[24];
	snprintf(kwbuf, sizeof(kwbuf), "%.*s", (int)(kwlen < 20 ? kwlen : 20), kw);
	memset(&rec->u, 0, sizeof(rec->u));

	if (tok_is(kw, kwlen, "device")) {
		rec->kind = TRACE_DEVICE;
		if (need(r, &p, &t, &len, kwbuf, "name") < 0 || intern(r, t, len, &rec->u.device.name, "device") < 0)
			return -1;
		while (next_tok(&p, &t, &len)) {
			const char *v;
			size_t vl;
			uint64_t n;
			if ((v = tok_key(t, len, "sid", &vl))) {
				/* comma-separated list */
				size_t i = 0;
				while (i < vl) {
					size_t j = i;
					while (j < vl && v[j] != ',')
						j++;
					if (rec->u.device.nsids == TRACE_MAX_SIDS)
						return fail(r, "more than %d StreamIDs on one device", TRACE_MAX_SIDS);
					NUM(v + i, j - i, n, "sid");
					if (n > 0xffffffffu)
						return fail(r, "StreamID %llu out of range", (unsigned long long)n);
					rec->u.device.sids[rec->u.device.nsids++] = (uint32_t)n;
					i = j + 1;
				}
			} else if ((v = tok_key(t, len, "pasid-bits", &vl))) {
				NUM(v, vl, n, "pasid-bits");
				if (n > 20)
					return fail(r, "pasid-bits %llu out of range 0..20", (unsigned long long)n);
				rec->u.device.pasid_bits = (uint32_t)n;
			} else if ((v = tok_key(t, len, "port", &vl))) {
				NUM(v, vl, n, "port");
				if (n > 1023)
					return fail(r, "port %llu out of range 0..1023", (unsigned long long)n);
				rec->u.device.port = (uint32_t)n;
			} else {
				return fail(r, "device: unknown option \"%.*s\"", (int)len, t);
			}
		}
		if (!rec->u.device.nsids)
			return fail(r, "device: missing sid=");
		return 1;
	}
	if (tok_is(kw, kwlen, "domain")) {
		rec->kind = TRACE_DOMAIN;
		if (need(r, &p, &t, &len, kwbuf, "name") < 0 || intern(r, t, len, &rec->u.domain.name, "domain") < 0)
			return -1;
		if (need(r, &p, &t, &len, kwbuf, "type (identity, blocked or dma)") < 0)
			return -1;
		if (tok_is(t, len, "identity"))
			rec->u.domain.type = TRACE_DOM_IDENTITY;
		else if (tok_is(t, len, "blocked"))
			rec->u.domain.type = TRACE_DOM_BLOCKED;
		else if (tok_is(t, len, "dma"))
			rec->u.domain.type = TRACE_DOM_DMA;
		else
			return fail(r, "domain: bad type \"%.*s\" (identity, blocked or dma)", (int)len, t);
	} else if (tok_is(kw, kwlen, "attach") || tok_is(kw, kwlen, "aux-attach") ||
		   tok_is(kw, kwlen, "attach-pasid") || tok_is(kw, kwlen, "detach")) {
		if (kw[0] == 'd')
			rec->kind = TRACE_DETACH;
		else if (kwlen == 6)
			rec->kind = TRACE_ATTACH;
		else if (kw[1] == 'u')
			rec->kind = TRACE_AUX_ATTACH;
		else
			rec->kind = TRACE_ATTACH_PASID;
		if (need(r, &p, &t, &len, kwbuf, "device") < 0 || intern(r, t, len, &rec->u.link.dev, "device") < 0)
			return -1;
		if (need(r, &p, &t, &len, kwbuf, "domain") < 0 || intern(r, t, len, &rec->u.link.dom, "domain") < 0)
			return -1;
		if (next_tok(&p, &t, &len)) {
			const char *v;
			size_t vl;
			uint64_t n;
			if (rec->kind == TRACE_ATTACH || !(v = tok_key(t, len, "pasid", &vl)))
				return fail(r, "%s: unexpected \"%.*s\"", kwbuf, (int)len, t);
			NUM(v, vl, n, "pasid");
			if (n == 0 || n >= (1u << 20))
				return fail(r, "PASID %llu out of range 1..2^20-1", (unsigned long long)n);
			rec->u.link.has_pasid = true;
			rec->u.link.pasid = (uint32_t)n;
		}
		if (rec->kind == TRACE_ATTACH_PASID && !rec->u.link.has_pasid)
			return fail(r, "attach-pasid: missing pasid=");
	} else if (tok_is(kw, kwlen, "enable-aux")) {
		rec->kind = TRACE_ENABLE_AUX;
		if (need(r, &p, &t, &len, kwbuf, "device") < 0 || intern(r, t, len, &rec->u.link.dev, "device") < 0)
			return -1;
	} else if (tok_is(kw, kwlen, "free")) {
		rec->kind = TRACE_FREE;
		if (need(r, &p, &t, &len, kwbuf, "domain") < 0 || intern(r, t, len, &rec->u.link.dom, "domain") < 0)
			return -1;
	} else if (tok_is(kw, kwlen, "map") || tok_is(kw, kwlen, "unmap")) {
		bool map = kw[0] == 'm';
		rec->kind = map ? TRACE_MAP : TRACE_UNMAP;
		if (need(r, &p, &t, &len, kwbuf, "domain") < 0 || intern(r, t, len, &rec->u.map.dom, "domain") < 0)
			return -1;
		if (need(r, &p, &t, &len, kwbuf, "iova") < 0)
			return -1;
		NUM(t, len, rec->u.map.iova, "iova");
		if (map) {
			if (need(r, &p, &t, &len, kwbuf, "pa") < 0)
				return -1;
			NUM(t, len, rec->u.map.pa, "pa");
		}
		if (need(r, &p, &t, &len, kwbuf, "size") < 0)
			return -1;
		NUM(t, len, rec->u.map.size, "size");
		if (map) {
			if (need(r, &p, &t, &len, kwbuf, "protection (e.g. rw)") < 0 ||
			    parse_prot(r, t, len, &rec->u.map.prot) < 0)
				return -1;
		}
		if (check_page(r, rec->u.map.iova, "iova") < 0 || (map && check_page(r, rec->u.map.pa, "pa") < 0) ||
		    check_page(r, rec->u.map.size, "size") < 0)
			return -1;
		if (rec->u.map.size == 0)
			return fail(r, "%s: size 0", kwbuf);
		if (rec->u.map.iova + rec->u.map.size < rec->u.map.iova || rec->u.map.iova + rec->u.map.size > TRACE_ADDR_LIMIT)
			return fail(r, "%s: range beyond 52-bit IOVA space", kwbuf);
	} else {
		return fail(r, "unknown record \"%.*s\"", (int)(kwlen > 40 ? 40 : kwlen), kw);
	}
	if (next_tok(&p, &t, &len))
		return fail(r, "%s: unexpected \"%.*s\"", kwbuf, (int)len, t);
	return 1;
}

int trace_parse_line(trace_reader *r, char *p, size_t len, struct trace_record *rec)
{
	const char *end = p + len; /* p[len] is the line's NUL */
	while (is_space(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	if (!r->seen_version) {
		/* The version line comes first so a reader knows what it is reading before anything else. */
		char *t;
		size_t tl;
		uint64_t v;
		if (!next_tok(&p, &t, &tl) || !tok_is(t, tl, VERSION_LINE))
			return fail(r, "not a smmusim trace: the first line must be \"%s %d\"", VERSION_LINE,
				    TRACE_VERSION);
		if (!next_tok(&p, &t, &tl) || !smmusim_parse_u64(t, tl, 0, &v))
			return fail(r, "bad version line");
		if (v != TRACE_VERSION)
			return fail(r, "trace format version %llu not supported (this reader knows %d)",
				    (unsigned long long)v, TRACE_VERSION);
		r->seen_version = true;
		return 0;
	}
	rec->line = r->in.line;
	rec->time_mode = TRACE_TIME_ASAP;
	rec->time_arg = 0;
	char *t = NULL;
	size_t tl;
	if (*p == '@') {
		p++;
		if (*p == '+') {
			rec->time_mode = TRACE_TIME_REL;
			p++;
		} else {
			rec->time_mode = TRACE_TIME_ABS;
		}
		if (num_token(r, &p, end, 0, &rec->time_arg, "time") < 0)
			return -1;
	} else if (*p == '-' && is_space(p[1])) {
		p++;
	}
	switch (rec->time_mode) {
	case TRACE_TIME_ABS:
		if (rec->time_arg < r->prev_time)
			return fail(r, "time goes backwards (@%llu after cycle %llu)", (unsigned long long)rec->time_arg,
				    (unsigned long long)r->prev_time);
		rec->time = rec->time_arg;
		break;
	case TRACE_TIME_REL:
		rec->time = r->prev_time + rec->time_arg;
		break;
	default:
		rec->time = r->prev_time;
	}
	if (!next_tok(&p, &t, &tl))
		return fail(r, "time without a record");
	int rc;
	if (tl == 1 && (t[0] == 'r' || t[0] == 'w'))
		rc = parse_dma(r, p, end, rec, t[0] == 'w');
	else
		rc = parse_control(r, t, tl, p, rec);
	if (rc > 0)
		r->prev_time = rec->time;
	return rc;
}

/* ---- Writer ---------------------------------------------------------------------------------- */

static int flush_buf(trace_writer *w)
{
	if (w->bin)
		return bin_writer_flush(w);
	if (w->used && !w->failed) {
		if (gzwrite(w->gz, w->buf, (unsigned)w->used) != (int)w->used)
			w->failed = true;
	}
	w->used = 0;
	return w->failed ? -1 : 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/*
 * A regular file is written as a hidden temporary next to PATH (same directory, so rename is
 * atomic) and renamed over PATH only by a successful close: a failed run never leaves a half trace
 * behind, nor destroys what PATH held.
 */
static char *temp_beside(const char *path, int *fd)
{
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t n = strlen(path) + 16;
	char *tmp = malloc(n);
	if (!tmp)
		return NULL;
	snprintf(tmp, n, "%.*s.%s.XXXXXX", (int)dirlen, path, path + dirlen);
	*fd = mkstemp(tmp);
	if (*fd < 0) {
		int e = errno;
		free(tmp);
		errno = e;
		return NULL;
	}
	mode_t mask = umask(0); /* mkstemp makes 0600: give the file the mode a plain create would */
	umask(mask);
	fchmod(*fd, 0666 & ~mask);
	return tmp;
}

static bool binary_name(const char *path)
{
	return ends_with(path, ".smtb") || ends_with(path, ".smtb.gz");
}

trace_writer *trace_writer_open(const char *path, char *err, size_t errlen)
{
	return trace_writer_open_as(path, binary_name(path) ? TRACE_FORM_BINARY : TRACE_FORM_TEXT, err, errlen);
}

trace_writer *trace_writer_open_as(const char *path, enum trace_form form, char *err, size_t errlen)
{
	trace_writer *w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	/* "T" makes zlib write plain text: one code path for both. */
	const char *mode = ends_with(path, ".gz") ? "wb6" : "wbT";
	int fd = -1;
	errno = 0;
	struct stat st;
	if (strcmp(path, "-") == 0)
		fd = dup(1);
	else if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		fd = open(path, O_WRONLY | O_TRUNC); /* a device, FIFO or link is written in place, never replaced */
	else
		w->tmp = temp_beside(path, &fd);
	w->gz = fd >= 0 ? gzdopen(fd, mode) : NULL;
	w->path = strdup(path);
	if (!w->gz || !w->path) {
		snprintf(err, errlen, "%s: cannot create: %s", path, errno ? strerror(errno) : "out of memory");
		if (w->gz)
			gzclose(w->gz);
		else if (fd >= 0)
			close(fd);
		if (w->tmp)
			unlink(w->tmp);
		free(w->tmp);
		free(w->path);
		free(w);
		return NULL;
	}
	gzbuffer(w->gz, 256 * 1024);
	if (form == TRACE_FORM_BINARY) {
		if (bin_writer_start(w) < 0) {
			snprintf(err, errlen, "%s: cannot create: %s", path, errno ? strerror(errno) : "out of memory");
			trace_writer_discard(w);
			return NULL;
		}
		return w;
	}
	w->used = (size_t)snprintf(w->buf, sizeof(w->buf), "%s %d\n", VERSION_LINE, TRACE_VERSION);
	return w;
}

int trace_writer_comment(trace_writer *w, const char *text)
{
	if (w->bin)
		return 0; /* the binary form carries records only */
	size_t len = strlen(text);
	if (w->used + len + 4 > sizeof(w->buf) && flush_buf(w) < 0)
		return -1;
	if (len + 4 > sizeof(w->buf))
		len = sizeof(w->buf) - 4;
	w->buf[w->used++] = '#';
	w->buf[w->used++] = ' ';
	memcpy(w->buf + w->used, text, len);
	w->used += len;
	w->buf[w->used++] = '\n';
	return 0;
}

static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_dec(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[20];
	int n = 0;
	do {
		tmp[n++] = digits[v & 15];
		v >>= 4;
	} while (v);
	*p++ = '0';
	*p++ = 'x';
	while (n)
		*p++ = tmp[--n];
	return p;
}

const char *trace_domain_type_name(enum trace_domain_type t)
{
	switch (t) {
	case TRACE_DOM_IDENTITY: return "identity";
	case TRACE_DOM_BLOCKED: return "blocked";
	case TRACE_DOM_DMA: return "dma";
	}
	return "?";
}

const char *trace_kind_name(enum trace_kind kind)
{
	static const char *const names[TRACE_KIND_COUNT] = {
		"device", "domain", "attach", "enable-aux", "aux-attach", "attach-pasid",
		"map",    "unmap",  "detach", "free",       "dma",
	};
	return (unsigned)kind < TRACE_KIND_COUNT ? names[kind] : "?";
}

/* Longest line: names (2 x 63) plus numbers and keywords, well under 512. */
size_t trace_format_record(const struct trace_record *rec, char *buf, size_t buflen)
{
	char tmp[512];
	char *p = tmp;
	if (rec->time_mode == TRACE_TIME_ABS) {
		*p++ = '@';
		p = put_dec(p, rec->time_arg);
		*p++ = ' ';
	} else if (rec->time_mode == TRACE_TIME_REL) {
		*p++ = '@';
		*p++ = '+';
		p = put_dec(p, rec->time_arg);
		*p++ = ' ';
	}
	switch (rec->kind) {
	case TRACE_DMA: {
#define d (&rec->u.dma)
		*p++ = d->write ? 'w' : 'r';
		*p++ = ' ';
		if (d->dev) {
			p = put_str(p, d->dev);
		} else {
			p = put_hex(p, d->sid);
		}
		*p++ = ' ';
		p = put_hex(p, d->addr);
		*p++ = ' ';
		p = put_dec(p, d->size);
		if (d->dev && d->has_sid) {
			p = put_str(p, " sid=");
			p = put_hex(p, d->sid);
		}
		if (d->pasid_mode == TRACE_PASID_NUMBER) {
			p = put_str(p, " pasid=");
			p = put_dec(p, d->pasid);
		} else if (d->pasid_mode == TRACE_PASID_DOMAIN) {
			p = put_str(p, " pasid=");
			p = put_str(p, d->pasid_dom);
		}
		if (d->priv)
			p = put_str(p, " priv");
		if (d->instr)
			p = put_str(p, " instr");
#undef d
		break;
	}
	case TRACE_DEVICE:
		p = put_str(p, "device ");
		p = put_str(p, rec->u.device.name);
		p = put_str(p, " sid=");
		for (uint32_t i = 0; i < rec->u.device.nsids && i < TRACE_MAX_SIDS; i++) {
			if (i)
				*p++ = ',';
			p = put_hex(p, rec->u.device.sids[i]);
		}
		if (rec->u.device.pasid_bits) {
			p = put_str(p, " pasid-bits=");
			p = put_dec(p, rec->u.device.pasid_bits);
		}
		if (rec->u.device.port) {
			p = put_str(p, " port=");
			p = put_dec(p, rec->u.device.port);
		}
		break;
	case TRACE_DOMAIN:
		p = put_str(p, "domain ");
		p = put_str(p, rec->u.domain.name);
		*p++ = ' ';
		p = put_str(p, trace_domain_type_name(rec->u.domain.type));
		break;
	case TRACE_ATTACH:
	case TRACE_AUX_ATTACH:
	case TRACE_ATTACH_PASID:
	case TRACE_DETACH:
		p = put_str(p, trace_kind_name(rec->kind));
		*p++ = ' ';
		p = put_str(p, rec->u.link.dev);
		*p++ = ' ';
		p = put_str(p, rec->u.link.dom);
		if (rec->u.link.has_pasid && rec->kind != TRACE_ATTACH) {
			p = put_str(p, " pasid=");
			p = put_dec(p, rec->u.link.pasid);
		}
		break;
	case TRACE_ENABLE_AUX:
		p = put_str(p, "enable-aux ");
		p = put_str(p, rec->u.link.dev);
		break;
	case TRACE_FREE:
		p = put_str(p, "free ");
		p = put_str(p, rec->u.link.dom);
		break;
	case TRACE_MAP:
	case TRACE_UNMAP:
		p = put_str(p, rec->kind == TRACE_MAP ? "map " : "unmap ");
		p = put_str(p, rec->u.map.dom);
		*p++ = ' ';
		p = put_hex(p, rec->u.map.iova);
		*p++ = ' ';
		if (rec->kind == TRACE_MAP) {
			p = put_hex(p, rec->u.map.pa);
			*p++ = ' ';
		}
		p = put_hex(p, rec->u.map.size);
		if (rec->kind == TRACE_MAP) {
			*p++ = ' ';
			if (!rec->u.map.prot)
				p = put_str(p, "none");
			if (rec->u.map.prot & TRACE_PROT_READ)
				*p++ = 'r';
			if (rec->u.map.prot & TRACE_PROT_WRITE)
				*p++ = 'w';
			if (rec->u.map.prot & TRACE_PROT_EXEC)
				*p++ = 'x';
			if (rec->u.map.prot & TRACE_PROT_PRIV)
				*p++ = 'p';
		}
		break;
	default:
		return 0;
	}
	size_t len = (size_t)(p - tmp);
	if (len + 1 > buflen)
		return 0;
	memcpy(buf, tmp, len);
	buf[len] = '\0';
	return len;
}

int trace_writer_write(trace_writer *w, const struct trace_record *rec)
{
	if (w->bin)
		return bin_writer_write(w, rec);
	if (w->used + 512 > sizeof(w->buf) && flush_buf(w) < 0)
		return -1;
	size_t len = trace_format_record(rec, w->buf + w->used, sizeof(w->buf) - w->used);
	if (!len)
		return -1;
	w->used += len;
	w->buf[w->used++] = '\n';
	return 0;
}

static int writer_end(trace_writer *w, bool keep, char *err, size_t errlen)
{
	if (!w)
		return 0;
	int rc = !keep ? -1 : w->bin ? bin_writer_finish(w) : flush_buf(w);
	bin_writer_free(w);
	errno = 0;
	int zrc = gzclose(w->gz);
	if (keep && (rc < 0 || zrc != Z_OK)) {
		snprintf(err, errlen, "%s: write failed: %s", w->path, errno ? strerror(errno) : "zlib error");
		rc = -1;
	}
	if (w->tmp) {
		if (rc == 0 && rename(w->tmp, w->path) != 0) {
			snprintf(err, errlen, "%s: cannot replace: %s", w->path, strerror(errno));
			rc = -1;
		}
		if (rc != 0)
			unlink(w->tmp);
	}
	free(w->tmp);
	free(w->path);
	free(w);
	return keep ? rc : 0;
}

int trace_writer_close(trace_writer *w, char *err, size_t errlen) { return writer_end(w, true, err, errlen); }

void trace_writer_discard(trace_writer *w) { writer_end(w, false, NULL, 0); }
