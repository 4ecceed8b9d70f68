// The table behind run_host_x87: one tiny inline-asm thunk per encoding, stamped out by
// templates and indexed by escape byte and ModRM. Memory forms are re-encoded with ModRM
// mod=00 rm=111, so their operand is (%rdi), where `mem` arrives.
#include "tcg/host_x87.h"

#include <array>
#include <cstddef>
#include <cstdlib>
#include <utility>

namespace kemu::tcg {

#if defined(__x86_64__)

namespace {

using Thunk = void (*)(uint8_t* mem, uint8_t& flags);

// Per escape byte: 8 memory forms (one per ModRM.reg), then the 64 register forms.
constexpr unsigned kFormsPerEscape = 8 + 64;

constexpr uint8_t modrm_of_slot(unsigned slot) {
    return uint8_t(slot < 8 ? (slot << 3 | 7) : 0xc0 + (slot - 8));
}

// SAHF/LAHF carry the arithmetic flags in and out without touching the stack (no push/pop
// under a possible red zone).
template <uint8_t Escape, uint8_t Modrm>
void thunk(uint8_t* mem, uint8_t& flags) {
    uint16_t ax = uint16_t(flags << 8);
    asm volatile(
        "sahf\n\t"
        ".byte %c[esc], %c[modrm]\n\t"
        "lahf\n\t"
        : "+a"(ax)
        : "D"(mem), [esc] "i"(Escape), [modrm] "i"(Modrm)
        : "memory", "cc");
    flags = uint8_t(ax >> 8);
}

template <std::size_t... I>
constexpr std::array<Thunk, sizeof...(I)> make_thunks(std::index_sequence<I...>) {
    return {&thunk<uint8_t(0xd8 + I / kFormsPerEscape), modrm_of_slot(I % kFormsPerEscape)>...};
}

constexpr auto kThunks = make_thunks(std::make_index_sequence<8 * kFormsPerEscape>());

}  // namespace

void run_host_x87(uint16_t insn, uint8_t* mem, uint8_t& flags) {
    uint8_t modrm = uint8_t(insn);
    unsigned slot = modrm >= 0xc0 ? 8 + (modrm - 0xc0) : (modrm >> 3) & 7;
    kThunks[(insn >> 8 & 7) * kFormsPerEscape + slot](mem, flags);
}

uint16_t host_x87_load(const uint8_t* image) {
    uint16_t host_control;
    asm volatile("fnstcw %0\n\tfrstor (%1)" : "=m"(host_control) : "r"(image) : "memory");
    return host_control;
}

void host_x87_save(uint8_t* image, uint16_t host_control) {
    asm volatile("fnsave (%0)\n\tfldcw %1" : : "r"(image), "m"(host_control) : "memory");
}

uint16_t host_x87_status() {
    uint16_t status;
    asm volatile("fnstsw %0" : "=a"(status));
    return status;
}

#else

// Frontends check kHostX87Available and never get here on other hosts.
void run_host_x87(uint16_t, uint8_t*, uint8_t&) {
    std::abort();
}
uint16_t host_x87_load(const uint8_t*) {
    std::abort();
}
void host_x87_save(uint8_t*, uint16_t) {
    std::abort();
}
uint16_t host_x87_status() {
    std::abort();
}

#endif

}  // namespace kemu::tcg
