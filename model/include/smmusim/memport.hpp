// The SMMU's own memory accesses (stream and CD table fetches, translation table walks, command
// queue reads, event queue writes, MSIs) go through a port, so that whoever builds the SMMU decides
// what serves them: the C API's platform serves them from its own Memory directly, the TLM-2.0
// component (smmusim/smmuv3_tlm.hpp) from its table-walk initiator socket.
#ifndef SMMUSIM_MEMPORT_HPP
#define SMMUSIM_MEMPORT_HPP

#include <cstddef>
#include <cstdint>

namespace smmusim {

class MemPort {
public:
	virtual ~MemPort() = default;
	// false = external abort: nothing was transferred (the model raises the abort the
	// architecture defines for that access, e.g. F_WALK_EABT or GERROR.EVENTQ_ABT_ERR).
	virtual bool read(uint64_t pa, void *buf, size_t len) = 0;
	virtual bool write(uint64_t pa, const void *buf, size_t len) = 0;
};

// Wired interrupt outputs of the SMMU (IHI 0070 §3.18): the model signals a pulse to a sink when
// one is attached; the C API attaches none.
enum class Irq : unsigned { EventQ = 0, Gerror = 1, CmdSync = 2 };
class IrqSink {
public:
	virtual ~IrqSink() = default;
	virtual void irq(Irq which) = 0;
};

} // namespace smmusim

#endif
