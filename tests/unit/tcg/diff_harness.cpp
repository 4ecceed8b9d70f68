#include "tests/unit/tcg/diff_harness.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "tests/unit/tcg/arena.h"
#include "tests/unit/tcg/native_runner.h"

namespace kemu::x86::difftest {

namespace {

constexpr const char* kRegNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
constexpr const char* kFaultNames[] = {"none", "#DE", "#UD", "memory fault", "other"};
constexpr uint64_t kDF = 0x400;
// 32-bit programs jump to kFarStub, which far-jumps to kReturnStub in Linux's 64-bit code
// segment (0x33), which jumps on to the native exit. The guest stops at kFarStub.
constexpr uint64_t kFarStub = Arena::kCodeAddr + Arena::kCodeSize - 0x200;
constexpr uint64_t kReturnStub = Arena::kCodeAddr + Arena::kCodeSize - 0x100;

std::string hex(uint64_t v) {
    char b[24];
    std::snprintf(b, sizeof b, "0x%" PRIx64, v);
    return b;
}

void load_program(const Program& p) {
    uint8_t* code = Arena::get()->code();
    std::memset(code, 0xcc, Arena::kCodeSize);  // INT3 anywhere the code should not reach
    std::memcpy(code + (p.address - Arena::kCodeAddr), p.bytes.data(), p.bytes.size());
    uint8_t stub[14] = {0xff, 0x25, 0, 0, 0, 0};  // jmp [rip + 0]; dq native exit
    uint64_t exit = native_exit_address();
    std::memcpy(stub + 6, &exit, 8);
    std::memcpy(code + (kReturnStub - Arena::kCodeAddr), stub, sizeof stub);
    uint8_t far[7] = {0xea, 0, 0, 0, 0, 0x33, 0};  // jmp far 0x33:kReturnStub
    uint32_t ret = uint32_t(kReturnStub);
    std::memcpy(far + 1, &ret, 4);
    std::memcpy(code + (kFarStub - Arena::kCodeAddr), far, sizeof far);
    __builtin___clear_cache(reinterpret_cast<char*>(code),
                            reinterpret_cast<char*>(code + Arena::kCodeSize));
}

// A YMM register as four quadwords, most significant first (as debuggers show it).
std::string ymm_text(const std::array<uint8_t, 32>& v) {
    std::string out;
    for (int q = 3; q >= 0; q--) {
        uint64_t x;
        std::memcpy(&x, v.data() + 8 * q, 8);
        char b[20];
        std::snprintf(b, sizeof b, "%016" PRIx64, x);
        out += std::string(q == 3 ? "" : "_") + b;
    }
    return out;
}

// The vector state's differences, one line each.
std::string vector_differences(const MachineState& native, const MachineState& guest) {
    std::string out;
    for (unsigned i = 0; i < 16; i++)
        if (native.ymm[i] != guest.ymm[i])
            out += "  ymm" + std::to_string(i) + ": native " + ymm_text(native.ymm[i]) + ", kemu " +
                   ymm_text(guest.ymm[i]) + "\n";
    for (unsigned i = 0; i < 8; i++)
        if (native.mm[i] != guest.mm[i])
            out += "  mm" + std::to_string(i) + ": native " + hex(native.mm[i]) + ", kemu " +
                   hex(guest.mm[i]) + "\n";
    if (native.mxcsr != guest.mxcsr)
        out += "  mxcsr: native " + hex(native.mxcsr) + ", kemu " + hex(guest.mxcsr) + "\n";
    return out;
}

}  // namespace

std::string describe_state(const MachineState& s) {
    std::string out;
    for (unsigned i = 0; i < 16; i++)
        out += std::string(i % 4 ? "  " : "    ") + kRegNames[i] + "=" + hex(s.gpr[i]) +
               (i % 4 == 3 ? "\n" : "");
    out += "    rflags=" + hex(s.rflags) + "  mxcsr=" + hex(s.mxcsr) + "\n";
    for (unsigned i = 0; i < 16; i++)
        out += "    ymm" + std::to_string(i) + (i < 10 ? " " : "") + "=" + ymm_text(s.ymm[i]) +
               (i < 8 ? "  mm" + std::to_string(i) + "=" + hex(s.mm[i]) : "") + "\n";
    return out;
}

Program DiffHarness::layout(const std::vector<Piece>& pieces, bool mode64) {
    return assemble(pieces, Arena::kCodeAddr, mode64 ? native_exit_address() : kFarStub, mode64);
}

std::string DiffHarness::compare(const DiffInput& in, const Program& p) {
    Arena* arena = Arena::get();
    load_program(p);
    std::memcpy(arena->data(), in.data.data(), Arena::kDataSize);
    RunResult native = run_native(in.state, p.address, p.mode64);
    std::vector<uint8_t> native_data(arena->data(), arena->data() + Arena::kDataSize);
    // Both backends run the same translated and optimized IR; each must match the CPU.
    return compare_with(interp_, "interpreter", in, p, native, native_data) +
           compare_with(jit_, "x86-64 JIT", in, p, native, native_data);
}

std::string DiffHarness::compare_with(GuestRunner& runner, const char* label, const DiffInput& in,
                                      const Program& p, const RunResult& native,
                                      const std::vector<uint8_t>& native_data) {
    Arena* arena = Arena::get();
    std::memcpy(arena->data(), in.data.data(), Arena::kDataSize);
    // A 32-bit guest has no 64-bit segment to far-jump to: it stops at the far jump.
    uint64_t guest_stop = p.mode64 ? native_exit_address() : kFarStub;
    RunResult guest = runner.run(in.state, p.address, guest_stop, p.mode64);
    if (guest.fault == Fault::None && guest.rip == guest_stop) guest.rip = native_exit_address();
    // 32-bit code sees only the low halves of the first eight registers.
    const unsigned regs = p.mode64 ? 16 : 8;
    const uint64_t reg_mask = p.mode64 ? ~0ull : 0xffffffffull;

    std::string out;
    if (native.fault != guest.fault)
        out += "  exception: native " + std::string(kFaultNames[int(native.fault)]) + ", kemu " +
               kFaultNames[int(guest.fault)] + "\n";
    if (native.rip != guest.rip)
        out += "  rip: native " + hex(native.rip) + ", kemu " + hex(guest.rip) + "\n";
    for (unsigned i = 0; i < regs; i++)
        if ((native.state.gpr[i] ^ guest.state.gpr[i]) & reg_mask)
            out += std::string("  ") + kRegNames[i] + ": native " +
                   hex(native.state.gpr[i] & reg_mask) + ", kemu " +
                   hex(guest.state.gpr[i] & reg_mask) + "\n";
    uint16_t undefined = p.undefined_at(native.rip);
    uint64_t mask = (flag::kArith & ~uint64_t(undefined)) | kDF;
    if ((native.state.rflags & mask) != (guest.state.rflags & mask))
        out += "  rflags (defined bits " + hex(mask) + "): native " +
               hex(native.state.rflags & mask) + ", kemu " + hex(guest.state.rflags & mask) + "\n";
    out += vector_differences(native.state, guest.state);
    for (size_t i = 0; i < Arena::kDataSize; i++) {
        if (native_data[i] != arena->data()[i]) {
            out += "  memory at " + hex(Arena::kDataAddr + i) + ": native " + hex(native_data[i]) +
                   ", kemu " + hex(arena->data()[i]) + " (first difference)\n";
            break;
        }
    }
    if (!out.empty()) out = std::string("  with the ") + label + ":\n" + out;
    return out;
}

std::vector<Piece> DiffHarness::shrink(const DiffInput& in, std::vector<Piece> pieces,
                                       bool mode64) {
    for (bool progress = true; progress && pieces.size() > 1;) {
        progress = false;
        for (size_t i = 0; i < pieces.size() && pieces.size() > 1; i++) {
            std::vector<Piece> fewer = pieces;
            fewer.erase(fewer.begin() + long(i));
            Program p = layout(fewer, mode64);
            if (!p.valid || compare(in, p).empty()) continue;
            pieces = std::move(fewer);
            progress = true;
            i--;
        }
    }
    return pieces;
}

}  // namespace kemu::x86::difftest
