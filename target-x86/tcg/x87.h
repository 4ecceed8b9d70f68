// The x87 FPU model around the host execution (x87_host.h): the status/tag word logic,
// the exception summary, the #NM/#MF rules, FSTENV/FSAVE layouts and the conversion of
// the architectural FpuState to and from the host's FSAVE image.
//
// FpuState conventions (the FXSAVE/KVM ones): st[i] holds ST(i), in stack order, so a
// change of TOP rotates the array; ftw is the abridged tag word indexed by physical
// register: bit p set = R(p) non-empty, and ST(i) is R((TOP + i) & 7).
#pragma once

#include <cstdint>
#include <span>

#include "target-x86/cpu_state.h"
#include "target-x86/tcg/x87_host.h"

namespace kemu::x86::x87 {

namespace fsw {
constexpr uint16_t IE = 1 << 0, DE = 1 << 1, ZE = 1 << 2, OE = 1 << 3, UE = 1 << 4, PE = 1 << 5;
constexpr uint16_t SF = 1 << 6, ES = 1 << 7, C0 = 1 << 8, C1 = 1 << 9, C2 = 1 << 10;
constexpr uint16_t C3 = 1 << 14, B = 1 << 15;
constexpr uint16_t kExceptions = 0x3f;          // IE..PE, masked by FCW bits 0-5
constexpr uint16_t kSticky = kExceptions | SF;  // cleared only by FCLEX/FINIT/loads
constexpr unsigned kTopShift = 11;
}  // namespace fsw

// Tag values of the full tag word (SDM vol. 1 figure 8-7).
enum class Tag : uint8_t { Valid = 0, Zero = 1, Special = 2, Empty = 3 };

unsigned top(const FpuState& f);
// The class of an 80-bit value as FSTENV reports it for a non-empty register.
Tag classify(const uint8_t* value80);
uint16_t full_tag_word(const FpuState& f);
uint8_t abridged_tag_word(uint16_t full);

// ES and B follow the exception flags that FCW leaves unmasked.
void update_summary(FpuState& f);
// An unmasked exception waits for the next waiting x87 instruction (#MF).
bool exception_pending(const FpuState& f);
void finit(FpuState& f);
void fclex(FpuState& f);

// Host image round trip. Going in, the sticky flags and the summary are cleared so the
// host cannot trap; coming out, the instruction's new flags are merged with the old ones.
HostImage to_host_image(const FpuState& f);
void from_host_image(FpuState& f, const HostImage& image);
// The live state's round trip (x87_host.h): every exception is masked, so the status word
// goes in and comes out whole. FOP, FIP and FDP are left alone both ways.
HostImage to_live_image(const FpuState& f);
void from_live_image(FpuState& f, const HostImage& image);

// The FSTENV/FLDENV environment (SDM vol. 1 figures 8-9 to 8-12): 16- or 32-bit, real
// (pointers as linear addresses split around FOP) or protected (offsets + selectors).
struct EnvFormat {
    bool size32;
    bool real_mode;
    unsigned bytes() const { return size32 ? 28 : 14; }
};
void store_env(const FpuState& f, EnvFormat fmt, std::span<uint8_t> out);
void load_env(FpuState& f, EnvFormat fmt, std::span<const uint8_t> in);
// FSAVE/FRSTOR: the environment followed by ST(0)..ST(7), 10 bytes each.
void store_registers(const FpuState& f, std::span<uint8_t> out);
void load_registers(FpuState& f, std::span<const uint8_t> in);

// How the translator and the helpers treat one D8-DF encoding.
enum class Kind : uint8_t {
    Host,    // runs on the host x87 (every arithmetic, load, store and stack instruction)
    Fnstsw,  // FNSTSW m16 / AX
    Fnstcw,
    Fldcw,
    Fnclex,
    Fninit,
    Obsolete,  // FNENI, FNDISI, FNSETPM: no-ops since the 287/387
    Fldenv,
    Fnstenv,
    Frstor,
    Fnsave,
};
enum class MemAccess : uint8_t { None, Read, Write };
struct Form {
    Kind kind = Kind::Host;
    MemAccess access = MemAccess::None;
    uint8_t size = 0;           // bytes of the memory operand for Host forms
    bool sets_eflags = false;   // FCOMI, FCOMIP, FUCOMI, FUCOMIP
    bool reads_eflags = false;  // FCMOVcc
};
// escape is 0-7 (the opcode byte's low bits), modrm the instruction's ModRM byte.
Form form_of(unsigned escape, uint8_t modrm);

// CR0 rules (SDM vol. 3 table 2-2): the vector to raise before an x87 instruction, or 0.
uint8_t device_fault(uint64_t cr0, bool is_wait);

}  // namespace kemu::x86::x87
