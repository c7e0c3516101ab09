// The C shim (smmusim.h): configuration -> SmmusimEngine (engine.cpp), the register interface
// (regif) handed to the driver, DMA, memory and statistics entry points.
#include "engine.hpp"

#include <smmusim/params.hpp>
#include <smmusim/smmusim.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>

// Debian's libsystemc.so exports main(), which calls sc_main(); the library cannot link without
// this symbol (extern "C", as SystemC declares it). Our executables (tests, tools) bring their own main(), so this is never called.
extern "C" int sc_main(int, char **) { return 0; }

struct smmusim {
	SmmusimEngine *engine = nullptr;
	smmu_regif regif{};
	bool log = false;
};

namespace {

SmmusimEngine &E(void *ctx) { return *static_cast<smmusim *>(ctx)->engine; }

uint32_t ri_read32(void *ctx, uint32_t off) { return E(ctx).read32(off); }
void ri_write32(void *ctx, uint32_t off, uint32_t v) { E(ctx).write32(off, v); }
uint64_t ri_read64(void *ctx, uint32_t off) { return E(ctx).read64(off); }
void ri_write64(void *ctx, uint32_t off, uint64_t v) { E(ctx).write64(off, v); }

int ri_dma_alloc(void *ctx, size_t size, size_t align, smmu_dma_buf *buf)
{
	if (!buf)
		return -EINVAL;
	uint64_t bus = 0;
	void *cpu = nullptr;
	int r = E(ctx).dma_alloc(size, align, bus, cpu);
	if (r)
		return r;
	buf->cpu = cpu;
	buf->bus = bus;
	buf->size = size;
	return 0;
}

void ri_dma_free(void *ctx, const smmu_dma_buf *buf)
{
	if (buf)
		E(ctx).dma_free(buf->bus);
}

// The model performs every access in program order: the barriers have nothing to order.
void ri_rmb(void *) {}
void ri_wmb(void *) {}
void ri_mb(void *) {}

void ri_relax(void *ctx) { E(ctx).relax(); }

void ri_log(void *ctx, smmu_log_level level, const char *msg)
{
	static const char *names[] = {"err", "warn", "info", "debug"};
	if (static_cast<smmusim *>(ctx)->log && msg)
		std::fprintf(stderr, "smmu[%s]: %s\n", names[(unsigned)level & 3u], msg);
}

void set_err(char *err, size_t errlen, const std::string &msg)
{
	if (err && errlen)
		std::snprintf(err, errlen, "%s", msg.c_str());
}

EngineDma to_engine(const struct smmusim_dma *r)
{
	EngineDma d;
	d.port = r->port;
	d.sid = r->sid;
	d.ssv = r->ssv;
	d.ssid = r->ssid;
	d.addr = r->addr;
	d.size = r->size;
	d.write = r->write;
	d.priv = r->priv;
	d.instr = r->instr;
	return d;
}

void from_engine(const EngineResult &e, smmusim_dma_result *r)
{
	r->status = (smmusim_dma_status)e.status;
	r->pa = e.pa;
	r->event = e.event;
	r->event_recorded = e.event_recorded;
	r->issue_cycle = e.issue_cycle;
	r->done_cycle = e.done_cycle;
	r->tag = e.tag;
}

} // namespace

extern "C" {

smmusim *smmusim_create(const smmusim_config *cfg, char *err, size_t errlen)
{
	SmmuParams p{};
	std::string msg;
	if (!smmu_params_from_config(cfg, p, msg)) {
		set_err(err, errlen, msg);
		return nullptr;
	}
	SmmusimEngine *e = SmmusimEngine::create(p, msg);
	if (!e) {
		set_err(err, errlen, msg);
		return nullptr;
	}
	auto *s = new smmusim;
	s->engine = e;
	s->log = p.log || std::getenv("SMMUSIM_LOG") != nullptr;
	s->regif.ctx = s;
	s->regif.read32 = ri_read32;
	s->regif.write32 = ri_write32;
	s->regif.read64 = ri_read64;
	s->regif.write64 = ri_write64;
	s->regif.dma_alloc = ri_dma_alloc;
	s->regif.dma_free = ri_dma_free;
	s->regif.rmb = ri_rmb;
	s->regif.wmb = ri_wmb;
	s->regif.mb = ri_mb;
	s->regif.relax = ri_relax;
	s->regif.log = ri_log;
	return s;
}

void smmusim_destroy(smmusim *sim)
{
	if (!sim)
		return;
	delete sim->engine; // releases the memory; the SystemC modules stay idle until exit
	delete sim;
}

const struct smmu_regif *smmusim_regif(smmusim *sim) { return sim ? &sim->regif : nullptr; }

uint64_t smmusim_now(const smmusim *sim) { return sim ? sim->engine->now() : 0; }

void smmusim_run(smmusim *sim, uint64_t cycles)
{
	if (sim)
		sim->engine->run(cycles);
}

void smmusim_fail_alloc_after(smmusim *sim, long long n)
{
	if (sim)
		sim->engine->fail_alloc_after(n);
}

int smmusim_dma(smmusim *sim, const struct smmusim_dma *req, void *data, struct smmusim_dma_result *res)
{
	if (!sim || !req)
		return -EINVAL;
	EngineDma d = to_engine(req);
	if (!sim->engine->valid(d))
		return -EINVAL;
	EngineResult r;
	sim->engine->dma(d, data, r);
	if (res)
		from_engine(r, res);
	return 0;
}

int smmusim_dma_submit(smmusim *sim, const struct smmusim_dma *req, uint64_t at, uint64_t tag)
{
	if (!sim || !req)
		return -EINVAL;
	EngineDma d = to_engine(req);
	if (!sim->engine->valid(d))
		return -EINVAL;
	sim->engine->submit(d, at, tag);
	return 0;
}

size_t smmusim_dma_poll(smmusim *sim, struct smmusim_dma_result *out, size_t max)
{
	if (!sim || !out)
		return 0;
	size_t n = 0;
	EngineResult r;
	while (n < max && sim->engine->poll(&r, 1) == 1)
		from_engine(r, &out[n++]);
	return n;
}

size_t smmusim_dma_outstanding(const smmusim *sim) { return sim ? sim->engine->outstanding() : 0; }

int smmusim_mem_read(smmusim *sim, uint64_t pa, void *buf, size_t len)
{
	if (!sim || (!buf && len))
		return -EINVAL;
	return sim->engine->mem_read(pa, buf, len) ? 0 : -EFAULT;
}

int smmusim_mem_write(smmusim *sim, uint64_t pa, const void *buf, size_t len)
{
	if (!sim || (!buf && len))
		return -EINVAL;
	return sim->engine->mem_write(pa, buf, len) ? 0 : -EFAULT;
}

uint64_t smmusim_stat(const smmusim *sim, const char *name)
{
	return (sim && name) ? sim->engine->stat(name) : 0;
}

int smmusim_stats_json(const smmusim *sim, FILE *out)
{
	if (!sim || !out)
		return -EINVAL;
	return sim->engine->stats_json(out);
}

int smmusim_stats_text(const smmusim *sim, FILE *out)
{
	if (!sim || !out)
		return -EINVAL;
	return sim->engine->stats_text(out);
}

} // extern "C"
