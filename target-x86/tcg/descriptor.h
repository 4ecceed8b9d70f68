// Segment and gate descriptors as they sit in the GDT/LDT/IDT (SDM vol. 3 3.4.5, 5.8.3, 6.11):
// fetching them with the table-limit check, decoding their fields, and turning a code/data or
// system descriptor into the hidden cache of a `Segment`.
#pragma once

#include <cstdint>
#include <optional>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/sys_context.h"

namespace kemu::x86 {

// System descriptor types (S=0). In IA-32e mode the 32-bit names denote the 64-bit forms.
namespace systype {
constexpr uint8_t TSS16_AVAIL = 1, LDT = 2, TSS16_BUSY = 3, CALL_GATE16 = 4, TASK_GATE = 5;
constexpr uint8_t INT_GATE16 = 6, TRAP_GATE16 = 7, TSS32_AVAIL = 9, TSS32_BUSY = 11;
constexpr uint8_t CALL_GATE32 = 12, INT_GATE32 = 14, TRAP_GATE32 = 15;
}  // namespace systype

struct Descriptor {
    uint64_t raw = 0;
    uint64_t high = 0;  // second quadword of a 16-byte system descriptor in IA-32e mode
    uint64_t addr = 0;  // linear address of the descriptor, for accessed/busy bit writes

    uint8_t type() const { return (raw >> 40) & 0xf; }
    bool s() const { return (raw >> 44) & 1; }
    uint8_t dpl() const { return (raw >> 45) & 3; }
    bool present() const { return (raw >> 47) & 1; }
    bool l() const { return (raw >> 53) & 1; }
    bool db() const { return (raw >> 54) & 1; }
    bool g() const { return (raw >> 55) & 1; }
    uint32_t limit() const;  // byte granular
    uint64_t base() const;   // includes `high` for 16-byte system descriptors

    bool is_code() const { return s() && (type() & 8); }
    bool is_data() const { return s() && !(type() & 8); }
    bool conforming_code() const { return is_code() && (type() & 4); }
    bool readable() const { return is_data() || (type() & 2); }
    bool writable_data() const { return is_data() && (type() & 2); }

    // Gate fields.
    uint16_t gate_selector() const { return (raw >> 16) & 0xffff; }
    uint64_t gate_offset() const;  // 64-bit when `high` was fetched
    unsigned gate_param_count() const { return (raw >> 32) & 0x1f; }
    unsigned gate_ist() const { return (raw >> 32) & 7; }
};

// The selector-style error code for faults about `selector` (RPL bits replaced by EXT).
inline uint32_t selector_error(uint16_t selector, bool ext = false) {
    return (selector & 0xfffc) | (ext ? 1u : 0u);
}

// Reads the descriptor `selector` names from the GDT or LDT; nullopt when the selector is
// outside the table limit (or names the LDT while none is loaded). `wide` reads 16 bytes.
std::optional<Descriptor> fetch_descriptor(const X86CpuState& s, SysContext& ctx, uint16_t selector,
                                           bool wide = false);

// Sets the accessed bit in memory and in `d` if it is clear (code/data descriptors only).
void mark_accessed(SysContext& ctx, Descriptor& d);
// Sets or clears the busy bit of a TSS descriptor in memory.
void set_tss_busy(SysContext& ctx, Descriptor& d, bool busy);

// The hidden cache for a descriptor, selector included.
Segment segment_from_descriptor(uint16_t selector, const Descriptor& d);
// A NULL selector in protected mode: unusable, no base or limit.
Segment null_segment(uint16_t selector, uint8_t dpl = 0);
// Real mode keeps the cached limit and attributes (the "unreal mode" behaviour).
Segment real_mode_segment(const Segment& old, uint16_t selector);
// Virtual-8086 mode: 64 KiB read/write data at CPL 3 (SDM vol. 3 20.1.1).
Segment vm86_segment(uint16_t selector, bool code);

}  // namespace kemu::x86
