#include "tcg/interpreter.h"

#include "tcg/host_x87.h"
#include "tcg/vfp.h"

#include <bit>
#include <cstring>

namespace kemu::tcg {

namespace {

struct Division {
    uint64_t quotient, remainder;
};

// divu2/divs2 of `w` bits. The frontend only divides where the host instruction cannot fault;
// outside that contract the interpreter gives zeros rather than trapping.
Division divide(bool sign, unsigned w, uint64_t high, uint64_t low, uint64_t divisor) {
    const uint64_t m = w == 64 ? ~0ull : (1ull << w) - 1;
    high &= m;
    low &= m;
    divisor &= m;
    if (!sign) {
        if (high >= divisor) return {0, 0};
        const unsigned __int128 n = (unsigned __int128)high << w | low;
        return {uint64_t(n / divisor) & m, uint64_t(n % divisor) & m};
    }
    const int64_t n = w == 32 ? int64_t(int32_t(low)) : int64_t(low);
    const int64_t d = w == 32 ? int64_t(int32_t(divisor)) : int64_t(divisor);
    if (high != (uint64_t(n >> 63) & m) || d == 0 || d == -1) return {0, 0};
    return {uint64_t(n / d) & m, uint64_t(n % d) & m};
}

}  // namespace

bool InterpCode::compile(const Function& f) {
    const TargetInfo& target = f.target();
    ops_.clear();
    consts_.clear();
    helpers_.clear();
    for (const HelperInfo& h : target.helpers)
        helpers_.push_back(h.fn);
    insn_index_offset_ = target.insn_index_offset;
    fp_status_offset_ = target.fp_status_offset;
    guest_load_ = target.guest_load;
    guest_store_ = target.guest_store;
    guest_load_vector_ = target.guest_load_vector;
    guest_store_vector_ = target.guest_store_vector;

    // Temps to operand references; locals get scratch slots in order of first use.
    std::vector<int32_t> ref(f.temps().size(), 0);
    uint32_t next_slot = 0;
    for (TempId t = 0; t < f.temps().size(); t++) {
        const Temp& temp = f.temp(t);
        switch (temp.kind) {
            case TempKind::Global:
                ref[t] = int32_t(temp.env_offset);
                break;
            case TempKind::Const:
                consts_.push_back(temp.value);
                ref[t] = ~int32_t(consts_.size() - 1);
                break;
            case TempKind::Local:
                if (next_slot == target.scratch_slots) return false;
                ref[t] = int32_t(target.scratch_offset + 8 * next_slot++);
                break;
        }
    }

    std::vector<uint32_t> label_at(f.label_count(), 0);
    for (const Op& op : f.ops()) {
        const OpInfo& info = op.info();
        if (op.opc == Opc::set_label) {
            label_at[op.constant(0)] = uint32_t(ops_.size());
            continue;
        }
        InterpOp io{op.opc, op.type, {}, {}};
        for (unsigned i = 0; i < unsigned(info.outputs + info.inputs); i++)
            io.ref[i] = ref[op.args[i]];
        for (unsigned i = 0; i < info.constants; i++)
            io.c[i] = op.constant(i);
        ops_.push_back(io);
    }
    for (InterpOp& io : ops_) {
        if (io.opc == Opc::br) io.c[0] = label_at[io.c[0]];
        if (io.opc == Opc::brcond) io.c[1] = label_at[io.c[1]];
    }
    return true;
}

namespace {

uint64_t width_mask(Type t) {
    return t == Type::I32 ? 0xffffffffull : ~0ull;
}

unsigned width(Type t) {
    return t == Type::I32 ? 32 : 64;
}

}  // namespace

BlockExit InterpCode::run(void* env) const {
    auto* base = static_cast<uint8_t*>(env);
    auto in = [&](int32_t r) -> uint64_t {
        if (r < 0) return consts_[~r];
        uint64_t v;
        std::memcpy(&v, base + r, 8);
        return v;
    };
    auto out = [&](int32_t r, uint64_t v) { std::memcpy(base + r, &v, 8); };

    size_t pc = 0;
    for (;;) {
        const InterpOp& o = ops_[pc++];
        const uint64_t m = width_mask(o.type);
        const unsigned w = width(o.type);
        switch (o.opc) {
            case Opc::mov:
                out(o.ref[0], in(o.ref[1]) & m);
                break;
            case Opc::discard:
                break;
            case Opc::add:
                out(o.ref[0], (in(o.ref[1]) + in(o.ref[2])) & m);
                break;
            case Opc::sub:
                out(o.ref[0], (in(o.ref[1]) - in(o.ref[2])) & m);
                break;
            case Opc::mul:
                out(o.ref[0], (in(o.ref[1]) * in(o.ref[2])) & m);
                break;
            case Opc::and_:
                out(o.ref[0], in(o.ref[1]) & in(o.ref[2]) & m);
                break;
            case Opc::or_:
                out(o.ref[0], (in(o.ref[1]) | in(o.ref[2])) & m);
                break;
            case Opc::xor_:
                out(o.ref[0], (in(o.ref[1]) ^ in(o.ref[2])) & m);
                break;
            case Opc::andc:
                out(o.ref[0], in(o.ref[1]) & ~in(o.ref[2]) & m);
                break;
            case Opc::shl:
                out(o.ref[0], (in(o.ref[1]) << (in(o.ref[2]) & (w - 1))) & m);
                break;
            case Opc::shr:
                out(o.ref[0], ((in(o.ref[1]) & m) >> (in(o.ref[2]) & (w - 1))) & m);
                break;
            case Opc::sar: {
                uint64_t a = in(o.ref[1]);
                int64_t sa = o.type == Type::I32 ? int64_t(int32_t(a)) : int64_t(a);
                out(o.ref[0], uint64_t(sa >> (in(o.ref[2]) & (w - 1))) & m);
                break;
            }
            case Opc::rotl:
            case Opc::rotr: {
                uint64_t a = in(o.ref[1]) & m;
                unsigned n = unsigned(in(o.ref[2]) & (w - 1));
                if (o.opc == Opc::rotr) n = (w - n) & (w - 1);
                uint64_t r = n ? (a << n) | (a >> (w - n)) : a;
                out(o.ref[0], r & m);
                break;
            }
            case Opc::neg:
                out(o.ref[0], (0 - in(o.ref[1])) & m);
                break;
            case Opc::not_:
                out(o.ref[0], ~in(o.ref[1]) & m);
                break;
            case Opc::mulu2:
            case Opc::muls2: {
                uint64_t a = in(o.ref[2]), b = in(o.ref[3]);
                uint64_t lo, hi;
                if (o.type == Type::I32) {
                    uint64_t p = o.opc == Opc::mulu2
                                     ? uint64_t(uint32_t(a)) * uint32_t(b)
                                     : uint64_t(int64_t(int32_t(a)) * int64_t(int32_t(b)));
                    lo = uint32_t(p);
                    hi = uint32_t(p >> 32);
                } else if (o.opc == Opc::mulu2) {
                    unsigned __int128 p = (unsigned __int128)a * b;
                    lo = uint64_t(p);
                    hi = uint64_t(p >> 64);
                } else {
                    __int128 p = (__int128)int64_t(a) * int64_t(b);
                    lo = uint64_t(p);
                    hi = uint64_t((unsigned __int128)p >> 64);
                }
                out(o.ref[0], lo);
                out(o.ref[1], hi);
                break;
            }
            case Opc::divu2:
            case Opc::divs2: {
                const Division r =
                    divide(o.opc == Opc::divs2, w, in(o.ref[2]), in(o.ref[3]), in(o.ref[4]));
                out(o.ref[0], r.quotient);
                out(o.ref[1], r.remainder);
                break;
            }
            case Opc::clz: {
                uint64_t a = in(o.ref[1]) & m;
                out(o.ref[0], a ? uint64_t(std::countl_zero(a) - (64 - w)) : in(o.ref[2]));
                break;
            }
            case Opc::ctz: {
                uint64_t a = in(o.ref[1]) & m;
                out(o.ref[0], a ? uint64_t(std::countr_zero(a)) : in(o.ref[2]));
                break;
            }
            case Opc::ctpop:
                out(o.ref[0], uint64_t(std::popcount(in(o.ref[1]) & m)));
                break;
            case Opc::bswap: {
                uint64_t a = in(o.ref[1]);
                uint64_t r = o.c[0] == 2   ? __builtin_bswap16(uint16_t(a))
                             : o.c[0] == 4 ? __builtin_bswap32(uint32_t(a))
                                           : __builtin_bswap64(a);
                out(o.ref[0], r & m);
                break;
            }
            case Opc::ext8s:
                out(o.ref[0], uint64_t(int64_t(int8_t(in(o.ref[1])))) & m);
                break;
            case Opc::ext8u:
                out(o.ref[0], uint8_t(in(o.ref[1])));
                break;
            case Opc::ext16s:
                out(o.ref[0], uint64_t(int64_t(int16_t(in(o.ref[1])))) & m);
                break;
            case Opc::ext16u:
                out(o.ref[0], uint16_t(in(o.ref[1])));
                break;
            case Opc::ext32s:
                out(o.ref[0], uint64_t(int64_t(int32_t(in(o.ref[1])))) & m);
                break;
            case Opc::ext32u:
                out(o.ref[0], uint32_t(in(o.ref[1])));
                break;
            case Opc::lea:
                out(o.ref[0], (in(o.ref[1]) + (in(o.ref[2]) << (o.c[0] & 3)) +
                               uint64_t(int64_t(int32_t(o.c[1])))) &
                                  m);
                break;
            case Opc::deposit: {
                unsigned pos = o.c[0], len = o.c[1];
                uint64_t field = len >= 64 ? ~0ull : ((1ull << len) - 1) << pos;
                out(o.ref[0], ((in(o.ref[1]) & ~field) | ((in(o.ref[2]) << pos) & field)) & m);
                break;
            }
            case Opc::extract: {
                unsigned pos = o.c[0], len = o.c[1];
                uint64_t v = in(o.ref[1]) >> pos;
                out(o.ref[0], len >= 64 ? v : v & ((1ull << len) - 1));
                break;
            }
            case Opc::setcond:
                out(o.ref[0], eval_cond(Cond(o.c[0]), o.type, in(o.ref[1]), in(o.ref[2])));
                break;
            case Opc::movcond:
                out(o.ref[0], eval_cond(Cond(o.c[0]), o.type, in(o.ref[1]), in(o.ref[2]))
                                  ? in(o.ref[3])
                                  : in(o.ref[4]));
                break;
            case Opc::set_label:
                break;
            case Opc::br:
                pc = o.c[0];
                break;
            case Opc::brcond:
                if (eval_cond(Cond(o.c[0]), o.type, in(o.ref[0]), in(o.ref[1]))) pc = o.c[1];
                break;
            case Opc::ld8u:
                out(o.ref[0], base[o.c[0]]);
                break;
            case Opc::ld16u: {
                uint16_t v;
                std::memcpy(&v, base + o.c[0], 2);
                out(o.ref[0], v);
                break;
            }
            case Opc::ld32u:
            case Opc::ld32s: {
                uint32_t v;
                std::memcpy(&v, base + o.c[0], 4);
                out(o.ref[0], o.opc == Opc::ld32s ? uint64_t(int64_t(int32_t(v))) & m : v);
                break;
            }
            case Opc::ld: {
                uint64_t v = 0;
                std::memcpy(&v, base + o.c[0], o.type == Type::I32 ? 4 : 8);
                out(o.ref[0], v);
                break;
            }
            case Opc::st8:
                base[o.c[0]] = uint8_t(in(o.ref[0]));
                break;
            case Opc::st16: {
                uint16_t v = uint16_t(in(o.ref[0]));
                std::memcpy(base + o.c[0], &v, 2);
                break;
            }
            case Opc::st32: {
                uint32_t v = uint32_t(in(o.ref[0]));
                std::memcpy(base + o.c[0], &v, 4);
                break;
            }
            case Opc::st: {
                uint64_t v = in(o.ref[0]);
                std::memcpy(base + o.c[0], &v, o.type == Type::I32 ? 4 : 8);
                break;
            }
            case Opc::guest_ld:
                out(o.ref[0], guest_load_(env, in(o.ref[1]), o.c[0]));
                break;
            case Opc::guest_st:
                guest_store_(env, in(o.ref[1]), in(o.ref[0]), o.c[0]);
                break;
            case Opc::guest_ld_vec:
                guest_load_vector_(env, in(o.ref[0]), o.c[0], o.c[1]);
                break;
            case Opc::guest_st_vec:
                guest_store_vector_(env, in(o.ref[0]), o.c[0], o.c[1]);
                break;
            case Opc::mb:
                __atomic_thread_fence(__ATOMIC_SEQ_CST);
                break;
            case Opc::vfp:
                run_vfp(o.c[0], base + o.c[1], base + o.c[2],
                        reinterpret_cast<uint32_t*>(base + fp_status_offset_));
                break;
            case Opc::host_x87: {
                uint8_t flags = 0;
                run_host_x87(uint16_t(o.c[0]), base + o.c[1], flags);
                break;
            }
            case Opc::host_simd:
                helpers_[o.c[0]](env, in(o.ref[0]), in(o.ref[1]), in(o.ref[2]), in(o.ref[3]));
                break;
            case Opc::vmov:
                std::memmove(base + o.c[0], base + o.c[1], o.c[2]);
                break;
            case Opc::call0:
                out(o.ref[0], helpers_[o.c[0]](env, 0, 0, 0, 0));
                break;
            case Opc::call1:
                out(o.ref[0], helpers_[o.c[0]](env, in(o.ref[1]), 0, 0, 0));
                break;
            case Opc::call2:
                out(o.ref[0], helpers_[o.c[0]](env, in(o.ref[1]), in(o.ref[2]), 0, 0));
                break;
            case Opc::call3:
                out(o.ref[0], helpers_[o.c[0]](env, in(o.ref[1]), in(o.ref[2]), in(o.ref[3]), 0));
                break;
            case Opc::call4:
                out(o.ref[0],
                    helpers_[o.c[0]](env, in(o.ref[1]), in(o.ref[2]), in(o.ref[3]), in(o.ref[4])));
                break;
            case Opc::insn_start:
                std::memcpy(base + insn_index_offset_, &o.c[0], 4);
                break;
            case Opc::goto_tb:
                return o.c[0] == 0 ? BlockExit::Goto0 : BlockExit::Goto1;
            case Opc::exit_tb:
                return BlockExit::Exit;
            case Opc::goto_ptr:
                return BlockExit::GotoPtr;
            case Opc::Count:
                return BlockExit::Exit;
        }
    }
}

}  // namespace kemu::tcg
