#include "target-x86/tcg/emit.h"

namespace kemu::x86 {

namespace {

EmitterTable build_table() {
    EmitterTable t;
    register_alu_emitters(t);
    register_move_emitters(t);
    register_control_emitters(t);
    register_string_emitters(t);
    register_system_emitters(t);
    register_x87_emitters(t);
    register_sse_emitters(t);
    register_bitmanip_emitters(t);
    return t;
}

}  // namespace

Emitter emitter_for(Op op) {
    static const EmitterTable table = build_table();
    return table.at(op);
}

}  // namespace kemu::x86
