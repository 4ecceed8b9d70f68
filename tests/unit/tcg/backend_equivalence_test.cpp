// The x86-64 backend held to the interpreter op by op: every row of tcg/ir_ops.def (the
// switch in cases_for has no default, so a new op does not compile until it is covered) on
// edge values, in i32 and i64, with inputs in globals, locals and constants (the backend
// has immediate forms for some). Also the code buffer's W^X and full answers.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tcg/backend_x86_64.h"
#include "tcg/builder.h"
#include "tcg/code_buffer.h"
#include "tcg/host_x87.h"
#include "tcg/vfp.h"
#include "tests/unit/tcg/backend_harness.h"
#include "tests/unit/tcg/edge_values.h"

namespace kemu::tcg::backend_test {
namespace {

using tcg::kEdges;
// A smaller set for ops with constant operands to loop over as well.
constexpr uint64_t kFewEdges[] = {
    0, 1, 0x80, 0xffffffff, 0x8000000000000000, ~0ull, 0x123456789abcdef0};

constexpr Type kTypes[] = {Type::I32, Type::I64};
constexpr Cond kConds[] = {Cond::Eq,  Cond::Ne,  Cond::Lt,  Cond::Ge,  Cond::Le,     Cond::Gt,
                           Cond::Ltu, Cond::Geu, Cond::Leu, Cond::Gtu, Cond::Always, Cond::Never};

// Where an op's inputs come from.
enum class Source { Global, Local, Const };
constexpr Source kSources[] = {Source::Global, Source::Local, Source::Const};

// Distinct recognizable values everywhere, so a missed or extra write shows.
Machine initial_machine() {
    Machine m;
    for (unsigned i = 0; i < kGlobals; i++)
        m.env.g[i] = 0xa5a5a5a500000000ull + 0x1111 * i;
    for (unsigned i = 0; i < 4; i++)
        m.env.field[i] = 0x8081828384858687ull * (i + 1);
    m.env.trace = 17;
    m.env.insn_index = 0xdead;
    for (unsigned i = 0; i < kGuestBytes; i++)
        m.guest[i] = uint8_t(0x9d * i + 0x31);
    return m;
}

unsigned g_checks = 0;

// One op with inputs `values` (taken from `src`), outputs to globals g6 and g7 (through a
// local first when src is Local), constants `consts`, then exit_tb.
void check_op(Opc opc, Type t, std::vector<uint64_t> values, std::vector<uint32_t> consts,
              Source src) {
    Function f(test_target());
    Builder b(f);
    Machine m = initial_machine();
    const OpInfo& info = op_info(opc);
    Op op{opc, t, {}};
    unsigned k = 0;
    std::vector<TempId> outs;
    for (unsigned i = 0; i < info.outputs; i++) {
        const TempId g = 6 + i;
        outs.push_back(src == Source::Local ? b.temp(t) : g);
        op.args[k++] = outs.back();
    }
    for (unsigned i = 0; i < info.inputs; i++) {
        const uint64_t v = values[i];
        TempId in = TempId(i);
        if (src == Source::Const) {
            in = b.cst(v, t);
        } else {
            m.env.g[i] = v;
            if (src == Source::Local) in = b.unop(Opc::mov, TempId(i), Type::I64);
        }
        op.args[k++] = in;
    }
    for (uint32_t c : consts)
        op.args[k++] = c;
    f.ops().push_back(op);
    if (src == Source::Local)
        for (unsigned i = 0; i < info.outputs; i++)
            b.mov(6 + i, outs[i]);
    b.emit(Opc::exit_tb, Type::I64, {});
    g_checks++;
    const std::string diff = compare_runs(f, m);
    ASSERT_EQ(diff, "") << op_info(opc).name;
}

void for_sources(const std::function<void(Source)>& fn) {
    for (Source s : kSources)
        fn(s);
}

void unary(Opc opc, std::vector<uint32_t> consts = {}) {
    for (Type t : kTypes)
        for (uint64_t a : kEdges)
            for_sources([&](Source s) { check_op(opc, t, {a}, consts, s); });
}

void binary(Opc opc, std::vector<uint32_t> consts = {}) {
    for (Type t : kTypes)
        for (uint64_t a : kEdges)
            for (uint64_t b : kEdges)
                for_sources([&](Source s) { check_op(opc, t, {a, b}, consts, s); });
}

// divu2/divs2 over the inputs their contract allows (others would fault on the host, which
// is why the frontend guards them).
void division(Opc opc) {
    for (Type t : kTypes) {
        const uint64_t m = t == Type::I32 ? 0xffffffffull : ~0ull;
        const unsigned w = t == Type::I32 ? 32 : 64;
        for (uint64_t low : kEdges)
            for (uint64_t d : kEdges) {
                d &= m;
                std::vector<uint64_t> highs;
                if (opc == Opc::divu2) {
                    if (d != 0) highs = {0, d - 1, d / 2};
                } else if (d != 0 && d != m) {
                    const int64_t n = w == 32 ? int64_t(int32_t(low)) : int64_t(low);
                    highs = {uint64_t(n >> 63) & m};
                }
                for (uint64_t high : highs)
                    for_sources([&](Source s) { check_op(opc, t, {high, low, d}, {}, s); });
            }
    }
}

// A small program around the control-flow and state ops.
void check_program(const std::function<void(Builder&)>& build, const Machine& m) {
    Function f(test_target());
    Builder b(f);
    build(b);
    g_checks++;
    const std::string diff = compare_runs(f, m);
    ASSERT_EQ(diff, "");
}

void brcond_cases() {
    for (Type t : kTypes)
        for (Cond c : kConds)
            for (uint64_t a : kEdges)
                for (uint64_t v : kFewEdges)
                    for (bool imm : {false, true}) {
                        Machine m = initial_machine();
                        m.env.g[0] = a;
                        m.env.g[1] = v;
                        check_program(
                            [&](Builder& b) {
                                LabelId taken = b.label(), done = b.label();
                                TempId x = b.temp();
                                b.mov(x, 2);  // a local live across the branch
                                b.brcond(c, 0, imm ? b.cst(v, t) : 1, taken, t);
                                b.emit(Opc::add, Type::I64, {x, x, 3});
                                b.mov(6, x);
                                b.br(done);
                                b.set_label(taken);
                                b.mov(7, x);
                                b.set_label(done);
                                b.emit(Opc::exit_tb, Type::I64, {});
                            },
                            m);
                    }
}

// Labels reached by falling through and by jumps, forward and backward, with locals and
// globals live across them.
void label_cases() {
    for (uint64_t n : {1, 2, 5})
        for (bool skip : {false, true}) {
            Machine m = initial_machine();
            m.env.g[0] = n;
            check_program(
                [&](Builder& b) {
                    LabelId top = b.label(), out = b.label();
                    TempId acc = b.temp(), count = b.temp();
                    b.mov(acc, 1);
                    b.mov(count, 0);
                    b.set_label(top);
                    b.emit(Opc::add, Type::I64, {acc, acc, 2});
                    b.emit(Opc::add, Type::I64, {3, 3, acc});
                    if (skip) b.br(out);
                    b.emit(Opc::sub, Type::I64, {count, count, b.cst(1)});
                    b.brcond(Cond::Ne, count, b.cst(~0ull - n + 1), top);
                    b.set_label(out);
                    b.emit(Opc::mul, Type::I64, {6, acc, count});
                    b.emit(Opc::exit_tb, Type::I64, {});
                },
                m);
        }
}

void env_access_cases(Opc opc) {
    const bool store = op_info(opc).inputs == 1;
    const unsigned size = opc == Opc::ld8u || opc == Opc::st8     ? 1
                          : opc == Opc::ld16u || opc == Opc::st16 ? 2
                          : opc == Opc::ld || opc == Opc::st      ? 8
                                                                  : 4;
    for (Type t : kTypes)
        for (uint32_t off = 0; off + size <= 16; off++)
            for (uint64_t v : kFewEdges) {
                // Plain fields, and the bytes of global g2 while its newest value is in a
                // register (the backend must keep the two views coherent).
                for (uint32_t base : {kFieldOffset, kGlobalOffset + 16}) {
                    Machine m = initial_machine();
                    m.env.g[0] = v;
                    check_program(
                        [&](Builder& b) {
                            b.emit(Opc::add, Type::I64, {2, 2, 0});
                            if (store)
                                b.emit(opc, t, {0, base + off});
                            else
                                b.emit(opc, t, {6, base + off});
                            b.emit(Opc::add, Type::I64, {7, 2, 1});
                            b.emit(Opc::exit_tb, Type::I64, {});
                        },
                        m);
                }
            }
}

// Every operation and form on operand pairs whose results and flags differ: normal values,
// inexact, overflowing and invalid ones, NaNs (which one wins), zeros and denormals.
void vfp_cases() {
    const double kDoubles[][2] = {{1.5, 2.25},
                                  {1.0, 3.0},
                                  {1e308, 1e308},
                                  {0.0, 0.0},
                                  {-0.0, 0.0},
                                  {4.9e-324, 0.5},
                                  {__builtin_nan("1"), 2.0},
                                  {2.0, -__builtin_nan("2")},
                                  {-1.0, __builtin_inf()}};
    for (uint32_t op = 0; op < kVfpOpCount; op++)
        for (const auto& pair : kDoubles) {
            Machine m = initial_machine();
            const bool single =
                vfp_form(op) == VfpForm::ScalarSingle || vfp_form(op) == VfpForm::PackedSingle;
            for (unsigned v = 0; v < 2; v++)
                for (unsigned lane = 0; lane < 2; lane++) {
                    double d = pair[v] * (lane + 1);
                    if (single) {
                        float f[2] = {float(d), float(-d)};
                        std::memcpy(m.env.vec[v] + 8 * lane, f, 8);
                    } else {
                        std::memcpy(m.env.vec[v] + 8 * lane, &d, 8);
                    }
                }
            m.env.fp_status = 0x1f80;
            check_program(
                [&](Builder& b) {
                    b.emit(Opc::add, Type::I64, {2, 2, 0});
                    b.emit(Opc::vfp, Type::I64, {op, kVecOffset, kVecOffset + 16});
                    b.emit(Opc::exit_tb, Type::I64, {});
                },
                m);
            // A run on one destination (which the JIT keeps in a register between its ops),
            // then one reading its own destination.
            check_program(
                [&](Builder& b) {
                    b.emit(Opc::vfp, Type::I64, {op, kVecOffset, kVecOffset + 16});
                    b.emit(Opc::vfp, Type::I64,
                           {vfp_op(VfpOperation::Add, vfp_form(op)), kVecOffset, kVecOffset + 16});
                    b.emit(Opc::vfp, Type::I64,
                           {vfp_op(VfpOperation::Mul, vfp_form(op)), kVecOffset, kVecOffset});
                    b.emit(Opc::add, Type::I64, {2, 2, 0});
                    b.emit(Opc::exit_tb, Type::I64, {});
                },
                m);
        }
}

// Memory and register forms on the host FPU, through env: m64 loads and arithmetic, a
// register op, a constant, and an m80 store, which leaves the FPU's stack empty as found.
void host_x87_cases() {
    const double kDoubles[] = {1.5, 2.0, 1e300, -0.0, 4.9e-324, __builtin_nan("1"), -1.0};
    const uint16_t kProgram[] = {
        host_x87_insn(5, 0 << 3),  // FLD m64
        host_x87_insn(4, 1 << 3),  // FMUL m64
        host_x87_insn(1, 0xfa),    // FSQRT
        host_x87_insn(1, 0xeb),    // FLDPI
        host_x87_insn(6, 0xc1),    // FADDP
        host_x87_insn(3, 7 << 3),  // FSTP m80
    };
    for (double d : kDoubles) {
        Machine m = initial_machine();
        std::memcpy(m.env.vec[0], &d, 8);
        check_program(
            [&](Builder& b) {
                b.emit(Opc::add, Type::I64, {2, 2, 0});
                for (uint16_t insn : kProgram) {
                    const uint32_t place = insn == kProgram[5] ? kVecOffset + 16 : kVecOffset;
                    b.emit(Opc::host_x87, Type::I64, {insn, place});
                }
                b.emit(Opc::exit_tb, Type::I64, {});
            },
            m);
    }
}

// A vector instruction as itself (JIT) and through its fallback helper (interpreter), in
// register, memory and VEX forms.
void host_simd_cases() {
    struct Form {
        std::vector<uint8_t> bytes;
        std::array<uint32_t, 3> sources;
        uint32_t result;
        uint8_t result_reg;
        uint64_t dst_vec, src_vec;  // the fallback's arguments
    };
    constexpr uint32_t kNone = HostSimdInsn::kNoSource, kVec0 = kVecOffset, kVec1 = kVecOffset + 16;
    const uint32_t disp = kVec1;
    const Form kForms[] = {
        {{0x66, 0x0f, 0xfe, 0xc1}, {kVec0, kVec1, kNone}, kVec0, 0, 0, 1},  // paddd xmm0, xmm1
        {{0x66, 0x41, 0x0f, 0xfe, 0x86, 0, 0, 0, 0},
         {kVec0, kNone, kNone},
         kVec0,
         0,
         0,
         1},  // paddd xmm0, [r14+vec1]
        {{0xc5, 0xf9, 0xfe, 0xd1}, {kVec0, kVec1, kNone}, kVec1, 2, 1, 0},  // vpaddd xmm2, xmm0,
                                                                            // xmm1
    };
    for (const Form& form : kForms) {
        Machine m = initial_machine();
        for (unsigned i = 0; i < 16; i++) {
            m.env.vec[0][i] = uint8_t(0xf0 + i * 7);
            m.env.vec[1][i] = uint8_t(0x31 * i + 3);
        }
        check_program(
            [&](Builder& b) {
                HostSimdInsn h;
                std::copy(form.bytes.begin(), form.bytes.end(), h.bytes.begin());
                h.length = uint8_t(form.bytes.size());
                h.sources = form.sources;
                h.result = form.result;
                h.result_reg = form.result_reg;
                if (form.bytes.size() == 9) {  // the memory form: its disp32 is at byte 5
                    h.env_disp_at = 5;
                    h.memory_offset = disp;
                }
                const uint32_t index = b.function().add_host_simd(h);
                b.emit(Opc::add, Type::I64, {2, 2, 0});
                b.emit(
                    Opc::host_simd, Type::I64,
                    {b.cst(form.dst_vec), b.cst(form.src_vec), b.cst(0), b.cst(0), kPaddd, index});
                b.emit(Opc::exit_tb, Type::I64, {});
            },
            m);
    }
}

void guest_access_cases(Opc opc) {
    // g5 (which the fake load reads) and the operands newest in registers at the access.
    check_program(
        [&](Builder& b) {
            b.emit(Opc::add, Type::I64, {5, 5, 1});
            b.emit(Opc::add, Type::I64, {0, 0, 2});
            if (opc == Opc::guest_ld)
                b.emit(opc, Type::I64, {6, 0, MemOp::make(3, false, 0).bits});
            else
                b.emit(opc, Type::I64, {5, 0, MemOp::make(2, false, 1).bits});
            b.emit(Opc::add, Type::I64, {7, 6, 5});
            b.emit(Opc::exit_tb, Type::I64, {});
        },
        initial_machine());
    for (unsigned log2 = 0; log2 < 4; log2++)
        for (bool sign : {false, true})
            for (uint64_t addr : kFewEdges)
                for_sources([&](Source s) {
                    const uint32_t mop = MemOp::make(log2, sign, log2 % 3).bits;
                    if (opc == Opc::guest_ld)
                        check_op(opc, Type::I64, {addr}, {mop}, s);
                    else
                        check_op(opc, Type::I64, {0x0123456789abcdefull ^ addr, addr}, {mop}, s);
                });
}

// 16 and 32 bytes between guest memory and the vec field, with g5 (which a slow path
// mixes in) and the address in registers; aligned and not.
void guest_vector_cases(Opc opc) {
    for (unsigned log2 : {4u, 5u})
        for (unsigned align : {0u, 16u})
            for (uint64_t addr : kFewEdges)
                check_program(
                    [&](Builder& b) {
                        b.emit(Opc::add, Type::I64, {5, 5, 1});
                        const TempId a = b.add(0, b.cst(addr));
                        const MemOp mop = MemOp::make(log2, false, log2 % 3).with_alignment(align);
                        b.emit(opc, Type::I64, {a, mop.bits, kVecOffset});
                        b.emit(Opc::add, Type::I64, {7, a, 5});
                        b.emit(Opc::exit_tb, Type::I64, {});
                    },
                    initial_machine());
}

// Moves between the vec fields, 16 bytes and 32, and onto themselves.
void vmov_cases() {
    Machine m = initial_machine();
    for (unsigned i = 0; i < sizeof m.env.vec; i++)
        m.env.vec[i / 16][i % 16] = uint8_t(0x3d * i + 1);
    for (uint32_t size : {16u, 32u})
        for (uint32_t dst : {0u, 32u})
            for (uint32_t src : {0u, 32u})
                check_program(
                    [&](Builder& b) {
                        b.emit(Opc::vmov, Type::I64, {kVecOffset + dst, kVecOffset + src, size});
                        b.emit(Opc::exit_tb, Type::I64, {});
                    },
                    m);
}

void call_cases(Opc opc) {
    const unsigned n = op_info(opc).inputs;
    for (uint32_t h = 0; h < kHelperCount; h++)
        for (uint64_t v : kFewEdges)
            for_sources([&](Source s) {
                std::vector<uint64_t> args;
                for (unsigned i = 0; i < n; i++)
                    args.push_back(v * (i + 1) + i);
                check_op(opc, Type::I64, args, {h}, s);
            });
    // Globals held in registers across the call: written home before, re-read after.
    for (uint32_t h = 0; h < kHelperCount; h++)
        check_program(
            [&](Builder& b) {
                for (TempId g = 0; g < 6; g++)
                    b.emit(Opc::add, Type::I64, {g, g, b.cst(g + 1)});
                TempId r = b.temp();
                Op op{opc, Type::I64, {}};
                op.args[0] = r;
                for (unsigned i = 0; i < n; i++)
                    op.args[1 + i] = i;
                op.args[1 + n] = h;
                b.function().ops().push_back(op);
                for (TempId g = 0; g < 6; g++)
                    b.emit(Opc::add, Type::I64, {g, g, r});
                b.emit(Opc::exit_tb, Type::I64, {});
            },
            initial_machine());
}

void exit_cases(Opc opc, std::vector<uint32_t> consts) {
    Machine m = initial_machine();
    check_program(
        [&](Builder& b) {
            b.emit(Opc::add, Type::I64, {0, 0, 1});
            Op op{opc, Type::I64, {}};
            for (unsigned i = 0; i < consts.size(); i++)
                op.args[i] = consts[i];
            b.function().ops().push_back(op);
            b.emit(Opc::add, Type::I64, {2, 2, 1});  // unreachable
            b.emit(Opc::exit_tb, Type::I64, {});
        },
        m);
}

// Every op's cases. No default: an op added to ir_ops.def must be given cases here.
void cases_for(Opc opc) {
    switch (opc) {
        case Opc::mov:
        case Opc::neg:
        case Opc::not_:
        case Opc::ctpop:
        case Opc::ext8s:
        case Opc::ext8u:
        case Opc::ext16s:
        case Opc::ext16u:
        case Opc::ext32s:
        case Opc::ext32u:
            unary(opc);
            return;
        case Opc::bswap:
            for (uint32_t n : {2, 4, 8})
                unary(opc, {n});
            return;
        case Opc::extract:
            for (uint32_t pos : {0, 1, 7, 8, 16, 31, 32, 33, 63})
                for (uint32_t len : {0, 1, 7, 8, 16, 31, 32, 33, 63, 64})
                    if (pos + len <= 64)
                        for (Type t : kTypes)
                            for (uint64_t a : kFewEdges)
                                for_sources([&](Source s) {
                                    check_op(opc, t, {a}, {pos, len}, s);
                                });
            return;
        case Opc::add:
        case Opc::sub:
        case Opc::mul:
        case Opc::and_:
        case Opc::or_:
        case Opc::xor_:
        case Opc::andc:
        case Opc::shl:
        case Opc::shr:
        case Opc::sar:
        case Opc::rotl:
        case Opc::rotr:
        case Opc::clz:
        case Opc::ctz:
        case Opc::mulu2:
        case Opc::muls2:
            binary(opc);
            return;
        case Opc::divu2:
        case Opc::divs2:
            division(opc);
            return;
        case Opc::lea:
            for (uint32_t shift = 0; shift < 4; shift++)
                for (uint32_t disp : {0u, 1u, 0xffffffffu, 0x7fffffffu, 0x80000000u})
                    for (Type t : kTypes)
                        for (uint64_t a : kFewEdges)
                            for (uint64_t b : kFewEdges)
                                for_sources([&](Source s) {
                                    check_op(opc, t, {a, b}, {shift, disp}, s);
                                });
            return;
        case Opc::deposit:
            for (uint32_t pos : {0, 1, 7, 8, 16, 31, 32, 33, 63})
                for (uint32_t len : {1, 7, 8, 16, 31, 32, 33, 63, 64})
                    if (pos + len <= 64)
                        for (Type t : kTypes)
                            for (uint64_t a : kFewEdges)
                                for (uint64_t v : kFewEdges)
                                    for_sources([&](Source s) {
                                        check_op(opc, t, {a, v}, {pos, len}, s);
                                    });
            return;
        case Opc::setcond:
            for (Cond c : kConds)
                binary(opc, {uint32_t(c)});
            return;
        case Opc::movcond:
            for (Cond c : kConds)
                for (Type t : kTypes)
                    for (uint64_t a : kEdges)
                        for (uint64_t b : kFewEdges)
                            for_sources([&](Source s) {
                                check_op(opc, t, {a, b, 0x1111222233334444, 0x5555666677778888},
                                         {uint32_t(c)}, s);
                            });
            return;
        case Opc::set_label:
        case Opc::br:
            label_cases();
            return;
        case Opc::brcond:
            brcond_cases();
            return;
        case Opc::ld8u:
        case Opc::ld16u:
        case Opc::ld32u:
        case Opc::ld32s:
        case Opc::ld:
        case Opc::st8:
        case Opc::st16:
        case Opc::st32:
        case Opc::st:
            env_access_cases(opc);
            return;
        case Opc::guest_ld:
        case Opc::guest_st:
            guest_access_cases(opc);
            return;
        case Opc::guest_ld_vec:
        case Opc::guest_st_vec:
            guest_vector_cases(opc);
            return;
        case Opc::vmov:
            vmov_cases();
            return;
        case Opc::vfp:
            if (kVfpAvailable) vfp_cases();
            return;
        case Opc::host_x87:
            if (kHostX87Available) host_x87_cases();
            return;
        case Opc::host_simd:
            if (kHostX87Available) host_simd_cases();  // an x86-64 host
            return;
        case Opc::call0:
        case Opc::call1:
        case Opc::call2:
        case Opc::call3:
        case Opc::call4:
            call_cases(opc);
            return;
        case Opc::discard:
            check_program(
                [](Builder& b) {
                    TempId x = b.add(0, 1);
                    b.mov(6, x);
                    b.emit(Opc::discard, Type::I64, {x});
                    b.emit(Opc::discard, Type::I64, {2});  // a global: only a hint, kept
                    b.emit(Opc::exit_tb, Type::I64, {});
                },
                initial_machine());
            return;
        case Opc::mb:
            check_program(
                [](Builder& b) {
                    b.emit(Opc::add, Type::I64, {0, 0, 1});
                    b.emit(Opc::mb, Type::I64, {0});
                    b.emit(Opc::exit_tb, Type::I64, {});
                },
                initial_machine());
            return;
        case Opc::insn_start:
            check_program(
                [](Builder& b) {
                    b.emit(Opc::insn_start, Type::I64, {0, 0});
                    b.emit(Opc::add, Type::I64, {0, 0, 1});
                    b.emit(Opc::insn_start, Type::I64, {0xfffffffe, 5});
                    b.emit(Opc::exit_tb, Type::I64, {});
                },
                initial_machine());
            return;
        case Opc::goto_tb:
            exit_cases(opc, {0});
            exit_cases(opc, {1});
            return;
        case Opc::exit_tb:
        case Opc::goto_ptr:
            exit_cases(opc, {});
            return;
        case Opc::Count:
            return;
    }
}

class EveryOp : public ::testing::TestWithParam<unsigned> {};

TEST_P(EveryOp, MatchesTheInterpreter) {
    g_checks = 0;
    cases_for(Opc(GetParam()));
    EXPECT_GT(g_checks, 0u);
    RecordProperty("checks", int(g_checks));
}

INSTANTIATE_TEST_SUITE_P(AllOps, EveryOp, ::testing::Range(0u, unsigned(Opc::Count)),
                         [](const ::testing::TestParamInfo<unsigned>& info) {
                             return std::string(op_info(Opc(info.param)).name);
                         });

TEST(CodeBuffer, NoMappingIsWritableAndExecutable) {
    Result<CodeBuffer> buf = CodeBuffer::create(1 << 16);
    ASSERT_TRUE(buf.ok()) << buf.error().message();
    std::ifstream maps("/proc/self/maps");
    std::string line;
    unsigned views = 0;
    while (std::getline(maps, line)) {
        if (line.find("kemu-jit") == std::string::npos) continue;
        views++;
        const std::string perms = line.substr(line.find(' ') + 1, 4);
        EXPECT_FALSE(perms[1] == 'w' && perms[2] == 'x') << line;
    }
    EXPECT_GE(views, 2u);
}

TEST(CodeBuffer, FillsUpAndResets) {
    Result<CodeBuffer> made = CodeBuffer::create(CodeBuffer::kMinFree + 4096);
    ASSERT_TRUE(made.ok());
    CodeBuffer& buf = *made;
    EXPECT_FALSE(buf.full());
    Function f(test_target());
    Builder b(f);
    for (int i = 0; i < 200; i++)
        b.emit(Opc::add, Type::I64, {TempId(i % 8), TempId((i + 1) % 8), b.cst(uint64_t(i) << 40)});
    b.emit(Opc::exit_tb, Type::I64, {});
    X86Backend backend;
    CompiledBlock block;
    unsigned blocks = 0;
    while (backend.compile(f, buf, block))
        blocks++;
    EXPECT_GT(blocks, 0u);
    EXPECT_TRUE(buf.full());
    const size_t used = buf.used();
    EXPECT_FALSE(backend.compile(f, buf, block));
    EXPECT_EQ(buf.used(), used);  // a failed compile leaves the buffer as it was
    buf.reset();
    ASSERT_TRUE(backend.compile(f, buf, block));
    Machine m = initial_machine();
    EXPECT_EQ(compare_runs(f, m), "");
}

TEST(X86Backend, RefusesMoreLocalsThanScratchSlots) {
    Function f(test_target());
    Builder b(f);
    TempId sum = b.add(0, 0);
    for (unsigned i = 0; i < kScratchSlots; i++)
        sum = b.add(sum, 1);
    b.mov(2, sum);
    b.emit(Opc::exit_tb, Type::I64, {});
    Result<CodeBuffer> buf = CodeBuffer::create(1 << 16);
    ASSERT_TRUE(buf.ok());
    X86Backend backend;
    CompiledBlock block;
    EXPECT_FALSE(backend.compile(f, *buf, block));
    f.clear();
    b.emit(Opc::exit_tb, Type::I64, {});
    EXPECT_TRUE(backend.compile(f, *buf, block));
    Machine m = initial_machine();
    EXPECT_EQ(block.run(&m.env), BlockExit::Exit);
}

}  // namespace
}  // namespace kemu::tcg::backend_test
