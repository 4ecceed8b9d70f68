// The host-x87 execution of x87_host.h: one tiny inline-asm thunk per encoding, stamped
// out by templates into a table indexed by escape byte and ModRM. Memory forms are
// re-encoded with ModRM mod=00 rm=111, so their operand is (%rdi), the staging buffer.
#include "target-x86/tcg/x87_host.h"

#include <cstddef>
#include <utility>

namespace kemu::x86::x87 {

#if defined(__x86_64__)

namespace {

using Thunk = void (*)(uint8_t* image, uint8_t* mem, uint8_t& flags);

// Per escape byte: 8 memory forms (one per ModRM.reg), then the 64 register forms.
constexpr unsigned kFormsPerEscape = 8 + 64;

constexpr uint8_t modrm_of_slot(unsigned slot) {
    return uint8_t(slot < 8 ? (slot << 3 | 7) : 0xc0 + (slot - 8));
}

// The host's own x87 state needs no saving: at a call the ABI has its register stack empty
// and its status word dead, and FNSAVE leaves the FPU initialized (empty, FCW 0x37F), so only
// the control word, which the ABI preserves, is put back.
template <uint8_t Escape, uint8_t Modrm>
void thunk(uint8_t* image, uint8_t* mem, uint8_t& flags) {
    uint16_t host_cw;
    uint16_t ax = uint16_t(flags << 8);
    // SAHF/LAHF carry the arithmetic flags in and out without touching the stack (no
    // push/pop under a possible red zone). FNSAVE is non-waiting, so an unmasked exception
    // the guest instruction raised stays pending in the image instead of trapping here.
    asm volatile(
        "fnstcw %[host]\n\t"
        "frstor (%[img])\n\t"
        "sahf\n\t"
        ".byte %c[esc], %c[modrm]\n\t"
        "lahf\n\t"
        "fnsave (%[img])\n\t"
        "fldcw %[host]\n\t"
        : "+a"(ax), [host] "=m"(host_cw)
        : [img] "r"(image), "D"(mem), [esc] "i"(Escape), [modrm] "i"(Modrm)
        : "memory", "cc", "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)");
    flags = uint8_t(ax >> 8);
}

template <std::size_t... I>
constexpr std::array<Thunk, sizeof...(I)> make_thunks(std::index_sequence<I...>) {
    return {&thunk<uint8_t(0xd8 + I / kFormsPerEscape), modrm_of_slot(I % kFormsPerEscape)>...};
}

constexpr auto kThunks = make_thunks(std::make_index_sequence<8 * kFormsPerEscape>());

}  // namespace

bool host_x87_available() {
    return true;
}

void run_on_host(uint8_t escape, uint8_t modrm, HostImage& image, uint8_t* mem, uint8_t& flags) {
    unsigned slot = modrm >= 0xc0 ? 8 + (modrm - 0xc0) : (modrm >> 3) & 7;
    kThunks[(escape - 0xd8) * kFormsPerEscape + slot](image.data(), mem, flags);
}

#else

bool host_x87_available() {
    return false;
}

// Not reached: without a host x87 the translator raises #UD for x87 instructions and
// CPUID does not advertise the FPU (docs/tcg.md).
void run_on_host(uint8_t, uint8_t, HostImage&, uint8_t*, uint8_t&) {}

#endif

}  // namespace kemu::x86::x87
