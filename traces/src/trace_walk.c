/* SPDX-License-Identifier: MIT */
/*
 * One pass over a trace: read, parse, check, then hand each record to the consumer with what the
 * checker resolved for it. With `ahead` > 0 the decoding runs on its own thread, up to `ahead`
 * batches of records in front of the consumer (a bounded queue), so a replay runs at the speed of
 * the slower of the two. The consumer sees the same records in the same order with the same
 * resolutions either way: only the host time differs.
 */
#include "smmusim/cli_common.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 256 /* records per queue slot: the queue's lock is taken once per batch, not per record */

struct batch {
	struct trace_checked item[BATCH];
	size_t n;
};

struct walk {
	const char *path;
	trace_checker *chk;
	trace_reader *rd;
	struct cli_progress pr;
	uint64_t n;
	/*
	 * The bounded queue: ring[head .. head+count) hold decoded batches, oldest first. A thread that
	 * has to wait (the decoder on a full ring, the consumer on an empty one) is woken only when the
	 * ring is half way the other way (or the run ends), not at every batch: the faster side then
	 * sleeps and wakes once per half ring rather than once per batch, as each wake-up costs
	 * system calls on both threads.
	 */
	pthread_mutex_t mu;
	pthread_cond_t filled, emptied;
	struct batch *ring;
	unsigned cap, head, count;
	bool decoder_waits, consumer_waits;
	bool done; /* the decoder published its last batch; status/err say why it ended */
	bool stop; /* the consumer gave up: the decoder ends at its next batch */
	int status;
	char err[640];
	double decode_cpu; /* CPU seconds the decoding took, on whichever thread ran it */
};

static double thread_cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Decode up to BATCH records into b: 1 more may follow, 0 clean end, -1 error (w->status, w->err). */
static int decode_batch(struct walk *w, struct batch *b)
{
	char msg[512];
	b->n = 0;
	while (b->n < BATCH) {
		struct trace_checked *c = &b->item[b->n];
		int rc = trace_reader_next(w->rd, &c->rec);
		if (rc == 0)
			return 0;
		if (rc < 0) {
			snprintf(w->err, sizeof(w->err), "%s", trace_reader_error(w->rd));
			w->status = SMMUSIM_EXIT_INPUT;
			return -1;
		}
		if (trace_checker_apply(w->chk, &c->rec, msg, sizeof(msg)) < 0) {
			snprintf(w->err, sizeof(w->err), "%s:%llu: %s", w->path, (unsigned long long)c->rec.line, msg);
			w->status = SMMUSIM_EXIT_INPUT;
			return -1;
		}
		trace_checker_resolve(w->chk, c);
		b->n++;
		++w->n;
		if (w->pr.on && w->n >= w->pr.next) /* the byte count costs a syscall: only when it may be shown */
			cli_progress_tick(&w->pr, w->n, trace_reader_bytes_in(w->rd));
	}
	return 1;
}

static void *decoder(void *arg)
{
	struct walk *w = arg;
	const double start = thread_cpu();
	for (int rc = 1; rc > 0;) {
		pthread_mutex_lock(&w->mu);
		while (w->count == w->cap && !w->stop) {
			w->decoder_waits = true;
			pthread_cond_wait(&w->emptied, &w->mu);
		}
		bool stop = w->stop;
		/* the slot past the last published one: the consumer does not touch it until published */
		struct batch *b = &w->ring[(w->head + w->count) % w->cap];
		pthread_mutex_unlock(&w->mu);
		if (stop)
			break;
		rc = decode_batch(w, b);
		pthread_mutex_lock(&w->mu);
		w->count++;
		w->done = rc <= 0;
		if (w->consumer_waits && (w->done || w->count * 2 >= w->cap)) {
			w->consumer_waits = false;
			pthread_cond_signal(&w->filled);
		}
		pthread_mutex_unlock(&w->mu);
	}
	w->decode_cpu = thread_cpu() - start; /* read after the join */
	return NULL;
}

static int consume(struct batch *b, int (*each)(void *, const struct trace_checked *, size_t), void *ctx)
{
	return each && b->n ? each(ctx, b->item, b->n) : 0;
}

static int walk_inline(struct walk *w, int (*each)(void *, const struct trace_checked *, size_t), void *ctx)
{
	struct batch *b = malloc(sizeof(*b));
	if (!b) {
		fprintf(stderr, "%s: out of memory\n", w->path);
		return SMMUSIM_EXIT_SIM;
	}
	int rc, status;
	do {
		double start = thread_cpu();
		rc = decode_batch(w, b);
		w->decode_cpu += thread_cpu() - start;
		status = consume(b, each, ctx);
	} while (rc > 0 && !status);
	free(b);
	return status ? status : rc < 0 ? -1 : 0;
}

static int walk_ahead(struct walk *w, int (*each)(void *, const struct trace_checked *, size_t), void *ctx)
{
	pthread_t th;
	w->ring = malloc(w->cap * sizeof(*w->ring));
	if (!w->ring || pthread_mutex_init(&w->mu, NULL) || pthread_cond_init(&w->filled, NULL) ||
	    pthread_cond_init(&w->emptied, NULL) || pthread_create(&th, NULL, decoder, w)) {
		free(w->ring);
		fprintf(stderr, "%s: cannot start the decoding thread\n", w->path);
		return SMMUSIM_EXIT_SIM;
	}
	int status = 0;
	bool last = false;
	while (!status && !last) {
		pthread_mutex_lock(&w->mu);
		while (w->count == 0) {
			w->consumer_waits = true;
			pthread_cond_wait(&w->filled, &w->mu);
		}
		struct batch *b = &w->ring[w->head];
		last = w->done && w->count == 1;
		pthread_mutex_unlock(&w->mu);
		status = consume(b, each, ctx);
		pthread_mutex_lock(&w->mu);
		w->head = (w->head + 1) % w->cap;
		w->count--;
		w->stop = status != 0;
		if (w->decoder_waits && (w->stop || w->count * 2 <= w->cap)) {
			w->decoder_waits = false;
			pthread_cond_signal(&w->emptied);
		}
		pthread_mutex_unlock(&w->mu);
	}
	pthread_join(th, NULL);
	pthread_cond_destroy(&w->filled);
	pthread_cond_destroy(&w->emptied);
	pthread_mutex_destroy(&w->mu);
	free(w->ring);
	return status ? status : w->status ? -1 : 0;
}

int cli_walk_trace(const char *path, trace_checker *checker, bool progress, unsigned ahead,
		   int (*each)(void *ctx, const struct trace_checked *recs, size_t n), void *ctx, double *decode_cpu)
{
	char err[512];
	struct walk w = {.path = path, .chk = checker, .cap = ahead};
	w.rd = trace_reader_open(path, err, sizeof(err));
	if (!w.rd) {
		fprintf(stderr, "%s\n", err);
		return SMMUSIM_EXIT_INPUT;
	}
	cli_progress_start(&w.pr);
	w.pr.on = w.pr.on && progress;
	int status = ahead ? walk_ahead(&w, each, ctx) : walk_inline(&w, each, ctx);
	cli_progress_end(&w.pr);
	if (status < 0) { /* the trace's own error, after every record before it was consumed */
		fprintf(stderr, "%s\n", w.err);
		status = w.status;
	}
	trace_reader_close(w.rd);
	if (decode_cpu)
		*decode_cpu = w.decode_cpu;
	return status;
}
