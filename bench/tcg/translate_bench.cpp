// kemu-translate-bench: how fast kemu translates x86-64 code, phase by phase, on real
// compiler output, without a guest and without the noise of a boot.
//
// usage: kemu-translate-bench [--passes N] ELF...
//
// Every executable section of the given 64-bit ELF files (the host's own binaries are
// compiled C and C++ much like a kernel's) is cut into blocks by a linear sweep: a block
// starts where the previous one ended. Each block goes through what a vCPU does at run
// time: the frontend (decode and IR, as 64-bit ring-0 code with flat segments), the
// optimizer and the x86-64 JIT. The figures are the best of --passes passes over all blocks.
#include <elf.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "system/read_file.h"
#include "target-x86/tcg/cpu_env.h"
#include "target-x86/tcg/translate.h"
#include "tcg/backend_x86_64.h"
#include "tcg/code_buffer.h"
#include "tcg/optimize.h"

namespace {

using namespace kemu;
using Clock = std::chrono::steady_clock;

struct Section {
    uint64_t address;
    std::vector<uint8_t> bytes;
};

// The executable sections of a 64-bit little-endian ELF file, or an error message.
std::string executable_sections(const std::string& path, std::vector<Section>& out) {
    auto data = read_file(path);
    if (!data) return data.error().message();
    const std::vector<uint8_t>& f = *data;
    Elf64_Ehdr eh;
    if (f.size() < sizeof eh || std::memcmp(f.data(), ELFMAG, SELFMAG) != 0 ||
        f[EI_CLASS] != ELFCLASS64)
        return path + ": not a 64-bit ELF file";
    std::memcpy(&eh, f.data(), sizeof eh);
    for (unsigned i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        const uint64_t at = eh.e_shoff + uint64_t(i) * eh.e_shentsize;
        if (at + sizeof sh > f.size()) return path + ": truncated section headers";
        std::memcpy(&sh, f.data() + at, sizeof sh);
        if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR)) continue;
        if (sh.sh_offset + sh.sh_size > f.size()) return path + ": truncated section";
        out.push_back(
            {sh.sh_addr, std::vector<uint8_t>(f.begin() + long(sh.sh_offset),
                                              f.begin() + long(sh.sh_offset + sh.sh_size))});
    }
    return "";
}

class SectionReader final : public x86::CodeReader {
  public:
    explicit SectionReader(const Section& s) : s_(s) {}
    size_t read(uint64_t linear, uint8_t* out, size_t n) override {
        if (linear < s_.address || linear >= s_.address + s_.bytes.size()) return 0;
        const size_t at = size_t(linear - s_.address);
        const size_t got = std::min(n, s_.bytes.size() - at);
        std::memcpy(out, s_.bytes.data() + at, got);
        return got;
    }

  private:
    const Section& s_;
};

struct Totals {
    uint64_t blocks = 0, insns = 0, ir_ops = 0, host_bytes = 0, jit_refused = 0;
    Clock::duration frontend{}, optimizer{}, backend{};
    Clock::duration total() const { return frontend + optimizer + backend; }
};

// 64-bit kernel code as a booted Linux runs it: ring 0, flat data segments, SSE and x87
// inline.
uint32_t kernel_flags() {
    uint32_t flags = x86::tbflag::kCode64 | x86::tbflag::kLongMode | x86::tbflag::kProtected |
                     x86::tbflag::kSimdInline | x86::tbflag::kX87Inline;
    for (unsigned seg : {ES, CS, SS, DS})
        flags |= x86::tbflag::kFlatSeg0 << seg;
    return flags;
}

Totals one_pass(const std::vector<Section>& sections, tcg::CodeBuffer& code) {
    Totals t;
    tcg::Function f(x86::x86_target_info());
    tcg::X86Backend backend;
    x86::TranslatedBlock out;
    const uint32_t flags = kernel_flags();
    for (const Section& s : sections) {
        SectionReader reader(s);
        uint64_t rip = s.address;
        while (rip < s.address + s.bytes.size()) {
            const auto t0 = Clock::now();
            x86::translate_block(f, {0, rip, flags, 64}, reader, out);
            const auto t1 = Clock::now();
            if (out.fetch_fault) break;  // the section ends inside an instruction
            t.ir_ops += f.ops().size();
            tcg::optimize(f);
            const auto t2 = Clock::now();
            if (code.full()) code.reset();
            tcg::CompiledBlock compiled;
            if (backend.compile(f, code, compiled))
                t.host_bytes += compiled.code_size;
            else
                t.jit_refused++;
            const auto t3 = Clock::now();
            t.frontend += t1 - t0;
            t.optimizer += t2 - t1;
            t.backend += t3 - t2;
            t.blocks++;
            t.insns += out.insn_rip.size();
            rip = out.last_byte + 1;
        }
    }
    return t;
}

double us(Clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count();
}

}  // namespace

int main(int argc, char** argv) {
    unsigned passes = 3;
    std::vector<Section> sections;
    for (int i = 1; i < argc; i++) {
        const std::string arg = argv[i];
        if (arg == "--passes" && i + 1 < argc) {
            passes = unsigned(std::max(1, std::atoi(argv[++i])));
            continue;
        }
        if (const std::string error = executable_sections(arg, sections); !error.empty()) {
            std::fprintf(stderr, "kemu-translate-bench: %s\n", error.c_str());
            return 1;
        }
    }
    if (sections.empty()) {
        std::fprintf(stderr, "usage: kemu-translate-bench [--passes N] ELF...\n");
        return 1;
    }
    auto code = tcg::CodeBuffer::create(size_t(64) << 20);
    if (!code) {
        std::fprintf(stderr, "kemu-translate-bench: %s\n", code.error().message().c_str());
        return 1;
    }
    Totals best;
    for (unsigned p = 0; p < passes; p++) {
        code->reset();
        const Totals t = one_pass(sections, *code);
        if (p == 0 || t.total() < best.total()) best = t;
    }
    const double n = double(best.blocks);
    std::printf(
        "blocks %llu, guest instructions %llu (%.1f per block), IR ops %.1f per block, "
        "host code %.0f bytes per block, JIT refused %llu\n",
        (unsigned long long)best.blocks, (unsigned long long)best.insns, double(best.insns) / n,
        double(best.ir_ops) / n, double(best.host_bytes) / n, (unsigned long long)best.jit_refused);
    std::printf("us per block: frontend %.3f, optimizer %.3f, backend %.3f, total %.3f\n",
                us(best.frontend) / n, us(best.optimizer) / n, us(best.backend) / n,
                us(best.total()) / n);
    return 0;
}
