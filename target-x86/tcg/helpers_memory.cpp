// Helpers for string instructions and locked read-modify-write operations.
#include <algorithm>
#include <cstring>
#include <mutex>

#include "system/host_pages.h"
#include "target-x86/tcg/cc_op.h"
#include "target-x86/tcg/cpu_mode.h"
#include "target-x86/tcg/cpu_runtime.h"
#include "target-x86/tcg/exceptions.h"
#include "target-x86/tcg/helper_ids.h"
#include "target-x86/tcg/io_breakpoint.h"
#include "tcg/ir.h"

namespace kemu::x86 {

namespace {

CpuEnv& E(void* env) {
    return *static_cast<CpuEnv*>(env);
}

uint64_t mask_of(unsigned bytes) {
    return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

// A segment's linear address for an offset, wrapped as the mode wraps it.
uint64_t seg_linear(const CpuEnv& e, unsigned seg, uint64_t offset) {
    if (code64(e.s)) return (seg == FS || seg == GS) ? e.s.seg[seg].base + offset : offset;
    return uint32_t(e.s.seg[seg].base + offset);
}

void set_sub_flags(CpuEnv& e, unsigned log2, uint64_t a, uint64_t b) {
    e.cc_op = cc_op(CcKind::Sub, log2);
    e.cc_dst = a - b;
    e.cc_src = b;
}

// Elements from `offset` on, in the string's direction, before the page ends (or begins) or
// the address-size offset wraps. An element that straddles the page boundary gives 0.
uint64_t elements_left_in_page(uint64_t linear, uint64_t offset, uint64_t amask, unsigned size,
                               bool down) {
    const uint64_t in_page = linear & (kPageSize - 1);
    if (down) {
        if (in_page + size > kPageSize) return 0;
        return std::min(in_page / size, offset / size) + 1;
    }
    uint64_t to_page_end = (kPageSize - in_page) / size;
    uint64_t to_wrap = (amask - offset) / size + 1;
    return std::min(to_page_end, to_wrap);
}

// n elements of `size` bytes from src to dst in the element loop's order, first to last
// (`down`: last to first, the bytes at the end of each range go first). Where that order never
// reads a byte the copy already wrote, the result is memmove's; otherwise an overlapping MOVS
// repeats its pattern, as on the CPU.
void copy_elements(uint8_t* dst, const uint8_t* src, size_t n, unsigned size, bool down) {
    const size_t bytes = n * size;
    const bool reads_before_writes = down ? dst >= src : dst <= src;
    if (reads_before_writes || dst >= src + bytes || src >= dst + bytes) {
        std::memmove(dst, src, bytes);
        return;
    }
    for (size_t k = 0; k < n; k++) {
        const size_t i = down ? n - 1 - k : k;
        std::memmove(dst + i * size, src + i * size, size);
    }
}

// Linux clears pages it hands out zeroed with REP STOS (clear_page), many of them pages of
// guest RAM nothing has written yet. Leaving those alone keeps them unpopulated on the host,
// where they read as zeros just the same (2 MiB less of an idle guest's RAM in the emulator).
// It is as if every store of the run happened when the page was found unpopulated: a store
// another vCPU makes to it after that lands after them, as it may.
bool clears_untouched_page(const uint8_t* dst, size_t bytes, uint64_t value) {
    return value == 0 && bytes == kPageSize && reinterpret_cast<uintptr_t>(dst) % kPageSize == 0 &&
           anonymous_page_unpopulated(dst);
}

// A run of REP MOVS or REP STOS elements within one page of each operand, through host
// pointers: Linux clears and copies pages this way, and moves its compressed image up with
// STD; REP MOVSQ before it decompresses. The source is checked before the destination as
// the loop reads before it writes, and the registers are architectural when it returns.
// Otherwise the caller runs the element loop: for one element when it crosses a page, for the
// rest of the instruction when memory is not RAM.
enum class BulkRun { Done, CrossesPage, NotRam };

BulkRun bulk_string_run(CpuEnv& e, CpuRuntime& rt, bool movs, unsigned size, unsigned src_seg,
                        uint64_t amask, unsigned addr_size) {
    auto& r = e.s.regs;
    const bool down = e.s.rflags & rflag::DF;
    uint64_t count = r[RCX] & amask;
    uint64_t di_off = r[RDI] & amask, si_off = r[RSI] & amask;
    uint64_t di = seg_linear(e, ES, di_off), si = seg_linear(e, src_seg, si_off);
    uint64_t n = std::min(count, elements_left_in_page(di, di_off, amask, size, down));
    if (movs) n = std::min(n, elements_left_in_page(si, si_off, amask, size, down));
    if (n == 0) return BulkRun::CrossesPage;
    const size_t bytes = size_t(n) * size;
    // Each run lies within one page, so the first element's check (whose fault names the
    // address the element loop would) covers the run, which starts `back` bytes lower.
    const uint64_t back = down ? bytes - size : 0;
    auto run_pointer = [&](uint64_t first, Access access) -> uint8_t* {
        if (!rt.host_pointer(first, size, access, Priv::Current)) return nullptr;
        return rt.host_pointer(first - back, unsigned(bytes), access, Priv::Current);
    };
    const uint8_t* src = nullptr;
    if (movs && !(src = run_pointer(si, Access::Read))) return BulkRun::NotRam;
    uint8_t* dst = run_pointer(di, Access::Write);
    if (!dst) return BulkRun::NotRam;
    if (!movs) {
        uint64_t v = r[RAX];
        if (clears_untouched_page(dst, bytes, v & mask_of(size))) {
            // Reads as zeros already.
        } else if (size == 1) {
            std::memset(dst, int(v & 0xff), bytes);
        } else {
            for (size_t i = 0; i < bytes; i += size)
                std::memcpy(dst + i, &v, size);
        }
    } else {
        copy_elements(dst, src, n, size, down);
    }
    auto advance = [&](unsigned reg) {
        uint64_t next = (down ? r[reg] - bytes : r[reg] + bytes) & amask;
        r[reg] = addr_size == 4 ? next : (r[reg] & ~amask) | next;
    };
    advance(RDI);
    if (movs) advance(RSI);
    uint64_t left = (r[RCX] - n) & amask;
    r[RCX] = addr_size == 2 ? (r[RCX] & ~amask) | left : left;
    return BulkRun::Done;
}

// A run of REP INS or REP OUTS elements within one page of memory, through a host pointer,
// with the port read or written in one go: SeaBIOS and boot loaders read whole kernels from
// ATA and ATAPI drives with REP INSW/INSD, an element at a time through the vCPU otherwise.
BulkRun bulk_io_run(CpuEnv& e, CpuRuntime& rt, bool ins, unsigned size, unsigned src_seg,
                    uint64_t amask, unsigned addr_size, uint16_t port) {
    auto& r = e.s.regs;
    const bool down = e.s.rflags & rflag::DF;
    const unsigned reg = ins ? RDI : RSI;
    const uint64_t off = r[reg] & amask;
    const uint64_t first = seg_linear(e, ins ? ES : src_seg, off);
    const uint64_t n =
        std::min(r[RCX] & amask, elements_left_in_page(first, off, amask, size, down));
    if (n == 0) return BulkRun::CrossesPage;
    const size_t bytes = size_t(n) * size;
    const uint64_t back = down ? bytes - size : 0;
    const Access access = ins ? Access::Write : Access::Read;
    if (!rt.host_pointer(first, size, access, Priv::Current)) return BulkRun::NotRam;
    uint8_t* run = rt.host_pointer(first - back, unsigned(bytes), access, Priv::Current);
    if (!run) return BulkRun::NotRam;
    if (ins)
        rt.io_in_string(port, size, run + back, size_t(n), down);
    else
        rt.io_out_string(port, size, run + back, size_t(n), down);
    const uint64_t next = (down ? r[reg] - bytes : r[reg] + bytes) & amask;
    r[reg] = addr_size == 4 ? next : (r[reg] & ~amask) | next;
    const uint64_t left = (r[RCX] - n) & amask;
    r[RCX] = addr_size == 2 ? (r[RCX] & ~amask) | left : left;
    return BulkRun::Done;
}

}  // namespace

// One helper runs every string instruction. After each element rSI/rDI/rCX are
// architectural, so a fault mid-string restarts exactly there; a pending interrupt
// stops the loop between elements (the instruction then runs again).
uint64_t helper_string_op(void* env, uint64_t bits, uint64_t next_rip, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    CpuRuntime& rt = runtime(env);
    const auto kind = StringKind(bits & 0xf);
    const unsigned log2 = (bits >> 4) & 3;
    const unsigned size = 1u << log2;
    const auto rep = RepKind((bits >> 8) & 0xf);
    const unsigned addr_size = (bits >> 12) & 0xf;
    const unsigned src_seg = (bits >> 16) & 7;
    const uint64_t amask = mask_of(addr_size);
    auto& r = e.s.regs;
    const int64_t step = (e.s.rflags & rflag::DF) ? -int64_t(size) : int64_t(size);
    auto advance = [&](unsigned reg) {
        r[reg] = (r[reg] & ~amask) | ((r[reg] + step) & amask);
        if (addr_size == 4) r[reg] = uint32_t(r[reg]);
    };
    auto put_acc = [&](uint64_t v) {
        if (size == 8)
            r[RAX] = v;
        else if (size == 4)
            r[RAX] = uint32_t(v);
        else
            r[RAX] = (r[RAX] & ~mask_of(size)) | (v & mask_of(size));
    };
    const uint16_t port = uint16_t(r[RDX]);
    if (kind == StringKind::Ins || kind == StringKind::Outs) check_io_permission(env, port, size);
    // REP INS/OUTS on a port an I/O breakpoint watches trap after every iteration (SDM vol. 3
    // 17.3.1.2): the vCPU raises the #DB when the helper returns, then the instruction resumes.
    const bool io_trap = (kind == StringKind::Ins || kind == StringKind::Outs) &&
                         io_breakpoint_hits(e.s, port, size);

    const uint64_t current = rt.current_rip();
    const bool io = kind == StringKind::Ins || kind == StringKind::Outs;
    bool bulk = rep != RepKind::None &&
                (kind == StringKind::Movs || kind == StringKind::Stos || io) && !(e.s.dr[7] & 0xff);
    for (uint64_t n = 0;; n++) {
        if (rep != RepKind::None) {
            if ((r[RCX] & amask) == 0) return next_rip;
            // Let interrupts in every so often; the instruction resumes where it stopped.
            if (n && (n & 1023) == 0 && rt.should_yield()) return current;
        }
        if (bulk) {
            BulkRun run = io ? bulk_io_run(e, rt, kind == StringKind::Ins, size, src_seg, amask,
                                           addr_size, port)
                             : bulk_string_run(e, rt, kind == StringKind::Movs, size, src_seg,
                                               amask, addr_size);
            if (run == BulkRun::Done) {
                if ((r[RCX] & amask) && rt.should_yield()) return current;
                continue;
            }
            bulk = run == BulkRun::CrossesPage;
        }
        uint64_t si = seg_linear(e, src_seg, r[RSI] & amask);
        uint64_t di = seg_linear(e, ES, r[RDI] & amask);
        bool stop = false;
        switch (kind) {
            case StringKind::Movs: {
                uint64_t v = rt.read(si, size, Priv::Current);
                rt.write(di, size, v, Priv::Current);
                advance(RSI);
                advance(RDI);
                break;
            }
            case StringKind::Stos:
                rt.write(di, size, r[RAX] & mask_of(size), Priv::Current);
                advance(RDI);
                break;
            case StringKind::Lods:
                put_acc(rt.read(si, size, Priv::Current));
                advance(RSI);
                break;
            case StringKind::Cmps: {
                uint64_t a = rt.read(si, size, Priv::Current);
                uint64_t b = rt.read(di, size, Priv::Current);
                advance(RSI);
                advance(RDI);
                set_sub_flags(e, log2, a, b);
                stop = true;
                break;
            }
            case StringKind::Scas: {
                uint64_t b = rt.read(di, size, Priv::Current);
                advance(RDI);
                set_sub_flags(e, log2, r[RAX] & mask_of(size), b);
                stop = true;
                break;
            }
            case StringKind::Ins: {
                // Probe the destination first: a fault must not lose the port read.
                rt.write(di, size, rt.read(di, size, Priv::Current), Priv::Current);
                rt.write(di, size, rt.io_in(port, size), Priv::Current);
                advance(RDI);
                break;
            }
            case StringKind::Outs:
                rt.io_out(port, rt.read(si, size, Priv::Current), size);
                advance(RSI);
                break;
        }
        if (rep == RepKind::None) return next_rip;
        // A 32-bit count register is zero-extended; a 16-bit one keeps CX's upper bits.
        uint64_t count = (r[RCX] - 1) & amask;
        r[RCX] = addr_size == 2 ? (r[RCX] & ~amask) | count : count;
        if (io_trap) return count ? current : next_rip;
        if (stop) {
            bool zf = (e.cc_dst & mask_of(size)) == 0;
            if ((rep == RepKind::Repe && !zf) || (rep == RepKind::Repne && zf)) return next_rip;
        }
    }
}

// Limit and rights of a protected-mode data access: #SS(0) through SS, #GP(0) otherwise.
uint64_t helper_check_segment(void* env, uint64_t seg, uint64_t offset, uint64_t bits, uint64_t) {
    const Segment& s = E(env).s.seg[seg];
    const unsigned size = unsigned(bits & 0xff);
    const bool write = bits & 0x100;
    const uint8_t vector = seg == SS ? vec::SS : vec::GP;
    bool code = s.type & 8;
    bool ok = s.present && !s.unusable && s.s;
    if (write)
        ok = ok && !code && (s.type & 2);
    else if (code)
        ok = ok && (s.type & 2);
    uint64_t last = offset + size - 1;
    if (!code && (s.type & 4)) {  // expand-down: valid offsets lie above the limit
        uint64_t top = s.db ? 0xffffffffull : 0xffffull;
        ok = ok && offset > s.limit && last <= top;
    } else {
        ok = ok && last <= s.limit;
    }
    if (!ok) runtime(env).raise(vector, 0);
    return 0;
}

namespace {

// Accesses that cannot be done atomically on host memory (MMIO, page-crossing) are
// serialised against each other here; they are rare and never on hot paths.
std::mutex& fallback_lock() {
    static std::mutex m;
    return m;
}

uint64_t rmw_value(AtomicKind kind, uint64_t old, uint64_t operand, uint64_t carry) {
    switch (kind) {
        case AtomicKind::Add:
            return old + operand;
        case AtomicKind::Or:
            return old | operand;
        case AtomicKind::Adc:
            return old + operand + carry;
        case AtomicKind::Sbb:
            return old - operand - carry;
        case AtomicKind::And:
            return old & operand;
        case AtomicKind::Sub:
            return old - operand;
        case AtomicKind::Xor:
            return old ^ operand;
        case AtomicKind::Xchg:
            return operand;
        case AtomicKind::Neg:
            return 0 - old;
        case AtomicKind::Not:
            return ~old;
    }
    return old;
}

template <typename T>
uint64_t host_rmw(uint8_t* p, AtomicKind kind, uint64_t operand, uint64_t carry) {
    T* t = reinterpret_cast<T*>(p);
    T old = __atomic_load_n(t, __ATOMIC_RELAXED);
    for (;;) {
        T next = T(rmw_value(kind, old, operand, carry));
        if (__atomic_compare_exchange_n(t, &old, next, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
            return old;
    }
}

template <typename T>
uint64_t host_cmpxchg(uint8_t* p, uint64_t expected, uint64_t desired) {
    T* t = reinterpret_cast<T*>(p);
    T e = T(expected);
    __atomic_compare_exchange_n(t, &e, T(desired), false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return e;
}

#if defined(__x86_64__)
// CMPXCHG16B on host memory; libatomic's 16-byte compare-exchange is not lock-free.
unsigned __int128 cmpxchg16(uint8_t* p, unsigned __int128 expected, unsigned __int128 desired,
                            bool* equal) {
    uint64_t lo = uint64_t(expected), hi = uint64_t(expected >> 64);
    bool ok;
    __asm__ volatile("lock cmpxchg16b %1"
                     : "=@ccz"(ok), "+m"(*reinterpret_cast<unsigned __int128*>(p)), "+a"(lo),
                       "+d"(hi)
                     : "b"(uint64_t(desired)), "c"(uint64_t(desired >> 64))
                     : "memory");
    *equal = ok;
    return (unsigned __int128)hi << 64 | lo;
}
#endif

}  // namespace

uint64_t helper_atomic_rmw(void* env, uint64_t addr, uint64_t operand, uint64_t bits,
                           uint64_t carry) {
    CpuRuntime& rt = runtime(env);
    const auto kind = AtomicKind(bits >> 8);
    const unsigned size = 1u << (bits & 3);
    if (uint8_t* p = rt.host_pointer(addr, size, Access::Write, Priv::Current)) {
        switch (size) {
            case 1:
                return host_rmw<uint8_t>(p, kind, operand, carry);
            case 2:
                return host_rmw<uint16_t>(p, kind, operand, carry);
            case 4:
                return host_rmw<uint32_t>(p, kind, operand, carry);
            default:
                return host_rmw<uint64_t>(p, kind, operand, carry);
        }
    }
    std::lock_guard<std::mutex> guard(fallback_lock());
    uint64_t old = rt.read(addr, size, Priv::Current);
    rt.write(addr, size, rmw_value(kind, old, operand, carry) & mask_of(size), Priv::Current);
    return old;
}

uint64_t helper_cmpxchg(void* env, uint64_t addr, uint64_t expected, uint64_t desired,
                        uint64_t memop) {
    CpuRuntime& rt = runtime(env);
    const unsigned size = tcg::MemOp{uint32_t(memop)}.size();
    if (uint8_t* p = rt.host_pointer(addr, size, Access::Write, Priv::Current)) {
        switch (size) {
            case 1:
                return host_cmpxchg<uint8_t>(p, expected, desired);
            case 2:
                return host_cmpxchg<uint16_t>(p, expected, desired);
            case 4:
                return host_cmpxchg<uint32_t>(p, expected, desired);
            default:
                return host_cmpxchg<uint64_t>(p, expected, desired);
        }
    }
    std::lock_guard<std::mutex> guard(fallback_lock());
    uint64_t old = rt.read(addr, size, Priv::Current);
    // A locked CMPXCHG always writes: the old value back when the comparison fails.
    rt.write(addr, size, old == (expected & mask_of(size)) ? desired : old, Priv::Current);
    return old;
}

// CMPXCHG8B m64 / CMPXCHG16B m128: EDX:EAX (RDX:RAX) against memory, ECX:EBX (RCX:RBX) in.
uint64_t helper_cmpxchg8b(void* env, uint64_t addr, uint64_t wide, uint64_t, uint64_t) {
    CpuEnv& e = E(env);
    CpuRuntime& rt = runtime(env);
    auto& r = e.s.regs;
    bool equal;
    if (wide) {
        if (addr & 15) rt.raise(vec::GP, 0);
        unsigned __int128 expected = (unsigned __int128)r[RDX] << 64 | r[RAX];
        unsigned __int128 desired = (unsigned __int128)r[RCX] << 64 | r[RBX];
        unsigned __int128 old;
#if defined(__x86_64__)
        if (uint8_t* p = rt.host_pointer(addr, 16, Access::Write, Priv::Current)) {
            old = cmpxchg16(p, expected, desired, &equal);
        } else
#endif
        {
            std::lock_guard<std::mutex> guard(fallback_lock());
            old = rt.read(addr, 8, Priv::Current) |
                  (unsigned __int128)rt.read(addr + 8, 8, Priv::Current) << 64;
            equal = old == expected;
            unsigned __int128 next = equal ? desired : old;
            rt.write(addr, 8, uint64_t(next), Priv::Current);
            rt.write(addr + 8, 8, uint64_t(next >> 64), Priv::Current);
        }
        if (!equal) {
            r[RAX] = uint64_t(old);
            r[RDX] = uint64_t(old >> 64);
        }
    } else {
        uint64_t expected = uint32_t(r[RDX]) * (1ull << 32) | uint32_t(r[RAX]);
        uint64_t desired = uint32_t(r[RCX]) * (1ull << 32) | uint32_t(r[RBX]);
        uint64_t old = helper_cmpxchg(env, addr, expected, desired,
                                      tcg::MemOp::make(3, false, cpl(e.s) == 3).bits);
        equal = old == expected;
        if (!equal) {
            r[RAX] = uint32_t(old);
            r[RDX] = uint32_t(old >> 32);
        }
    }
    uint64_t flags = (full_rflags(e) & kArithFlags & ~rflag::ZF) | (equal ? rflag::ZF : 0);
    e.cc_op = kCcEflags;
    e.cc_src = flags;
    return 0;
}

}  // namespace kemu::x86
