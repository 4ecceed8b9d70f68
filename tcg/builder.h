// Appends ops to a Function. Frontends write `b.add(x, y)` and get a fresh temp back;
// the optimizer removes the copies this style produces.
#pragma once

#include <initializer_list>

#include "tcg/ir.h"

namespace kemu::tcg {

class Builder {
  public:
    explicit Builder(Function& f) : f_(f) {}

    Function& function() { return f_; }

    TempId temp(Type t = Type::I64) { return f_.new_local(t); }
    TempId cst(uint64_t v, Type t = Type::I64) { return f_.new_const(t, v); }
    LabelId label() { return f_.new_label(); }

    void emit(Opc opc, Type type, std::initializer_list<uint32_t> args) {
        Op op{opc, type, {}};
        unsigned i = 0;
        for (uint32_t a : args)
            op.args[i++] = a;
        f_.ops().push_back(op);
    }

    TempId unop(Opc opc, TempId a, Type t = Type::I64) {
        TempId d = temp(t);
        emit(opc, t, {d, a});
        return d;
    }
    TempId binop(Opc opc, TempId a, TempId b, Type t = Type::I64) {
        TempId d = temp(t);
        emit(opc, t, {d, a, b});
        return d;
    }

    void mov(TempId d, TempId a, Type t = Type::I64) { emit(Opc::mov, t, {d, a}); }
    TempId copy(TempId a) { return unop(Opc::mov, a); }
    TempId add(TempId a, TempId b) { return binop(Opc::add, a, b); }
    TempId sub(TempId a, TempId b) { return binop(Opc::sub, a, b); }
    TempId and_(TempId a, TempId b) { return binop(Opc::and_, a, b); }
    TempId or_(TempId a, TempId b) { return binop(Opc::or_, a, b); }
    TempId xor_(TempId a, TempId b) { return binop(Opc::xor_, a, b); }
    TempId shl(TempId a, TempId b) { return binop(Opc::shl, a, b); }
    TempId shr(TempId a, TempId b) { return binop(Opc::shr, a, b); }
    TempId sar(TempId a, TempId b) { return binop(Opc::sar, a, b); }
    TempId addi(TempId a, uint64_t v) { return add(a, cst(v)); }
    TempId andi(TempId a, uint64_t v) { return and_(a, cst(v)); }
    TempId shri(TempId a, unsigned v) { return shr(a, cst(v)); }
    TempId shli(TempId a, unsigned v) { return shl(a, cst(v)); }
    TempId neg(TempId a) { return unop(Opc::neg, a); }
    TempId not_(TempId a) { return unop(Opc::not_, a); }

    TempId setcond(Cond c, TempId a, TempId b, Type t = Type::I64) {
        TempId d = temp();
        emit(Opc::setcond, t, {d, a, b, uint32_t(c)});
        return d;
    }
    TempId movcond(Cond c, TempId a, TempId b, TempId v1, TempId v2, Type t = Type::I64) {
        TempId d = temp();
        emit(Opc::movcond, t, {d, a, b, v1, v2, uint32_t(c)});
        return d;
    }
    void set_label(LabelId l) { emit(Opc::set_label, Type::I64, {l}); }
    void br(LabelId l) { emit(Opc::br, Type::I64, {l}); }
    void brcond(Cond c, TempId a, TempId b, LabelId l, Type t = Type::I64) {
        emit(Opc::brcond, t, {a, b, uint32_t(c), l});
    }

    TempId ld(Opc opc, uint32_t offset) {
        TempId d = temp();
        emit(opc, Type::I64, {d, offset});
        return d;
    }
    void st(Opc opc, TempId v, uint32_t offset) { emit(opc, Type::I64, {v, offset}); }

    TempId guest_ld(TempId addr, MemOp mop) {
        TempId d = temp();
        emit(Opc::guest_ld, Type::I64, {d, addr, mop.bits});
        return d;
    }
    void guest_st(TempId value, TempId addr, MemOp mop) {
        emit(Opc::guest_st, Type::I64, {value, addr, mop.bits});
    }
    void guest_ld_vec(TempId addr, MemOp mop, uint32_t env_offset) {
        emit(Opc::guest_ld_vec, Type::I64, {addr, mop.bits, env_offset});
    }
    void guest_st_vec(TempId addr, MemOp mop, uint32_t env_offset) {
        emit(Opc::guest_st_vec, Type::I64, {addr, mop.bits, env_offset});
    }

    TempId call(uint32_t helper, std::initializer_list<TempId> args) {
        static constexpr Opc kByArity[] = {Opc::call0, Opc::call1, Opc::call2, Opc::call3,
                                           Opc::call4};
        TempId d = temp();
        Op op{kByArity[args.size()], Type::I64, {}};
        unsigned i = 0;
        op.args[i++] = d;
        for (TempId a : args)
            op.args[i++] = a;
        op.args[i] = helper;
        f_.ops().push_back(op);
        return d;
    }

  private:
    Function& f_;
};

}  // namespace kemu::tcg
