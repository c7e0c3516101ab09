// Facade between the C shim (platform.cpp, which includes smmusim.h) and the C++ model (which
// lives in namespace smmusim). The two cannot meet in one translation unit: smmusim.h declares
// a global type named `smmusim`, which clashes with the namespace. Plain types only here.
#ifndef SMMUSIM_ENGINE_HPP
#define SMMUSIM_ENGINE_HPP

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

struct SmmuParams;

struct EngineDma {
	uint32_t port = 0, sid = 0, ssid = 0, size = 0;
	bool ssv = false, write = false, priv = false, instr = false;
	uint64_t addr = 0;
};

struct EngineResult {
	uint8_t status = 0, event = 0;
	bool event_recorded = false;
	uint64_t pa = 0, issue_cycle = 0, done_cycle = 0, tag = 0;
};

class SmmusimEngine {
public:
	// Builds the SystemC modules (once per process). nullptr with a message on failure.
	static SmmusimEngine *create(const SmmuParams &p, std::string &err);
	~SmmusimEngine();

	uint32_t read32(uint32_t off);
	void write32(uint32_t off, uint32_t val);
	uint64_t read64(uint32_t off);
	void write64(uint32_t off, uint64_t val);

	int dma_alloc(uint64_t size, uint64_t align, uint64_t &bus, void *&cpu);
	void dma_free(uint64_t bus);
	void fail_alloc_after(long long n);

	uint64_t now() const;
	void run(uint64_t cycles);
	void relax();

	bool valid(const EngineDma &d) const;
	void dma(const EngineDma &d, void *data, EngineResult &res);
	void submit(const EngineDma &d, uint64_t at, uint64_t tag);
	size_t poll(EngineResult *out, size_t max);
	size_t outstanding() const;

	bool mem_read(uint64_t pa, void *buf, size_t len);
	bool mem_write(uint64_t pa, const void *buf, size_t len);

	uint64_t stat(const char *name) const;
	int stats_json(FILE *out) const;
	int stats_text(FILE *out) const;

private:
	SmmusimEngine() = default;
	struct Impl;
	Impl *impl_ = nullptr;
};

#endif
