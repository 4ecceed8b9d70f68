// The emitter table: one function per decoder Op, filled by each emit_*.cpp file.
#pragma once

#include <array>

#include "target-x86/tcg/translate_context.h"

namespace kemu::x86 {

class EmitterTable {
  public:
    Emitter& operator[](Op op) { return table_[size_t(op)]; }
    Emitter at(Op op) const { return table_[size_t(op)]; }

  private:
    std::array<Emitter, size_t(Op::Count)> table_{};
};

void register_alu_emitters(EmitterTable& t);
void register_move_emitters(EmitterTable& t);
void register_control_emitters(EmitterTable& t);
void register_string_emitters(EmitterTable& t);
void register_system_emitters(EmitterTable& t);
void register_x87_emitters(EmitterTable& t);
void register_sse_emitters(EmitterTable& t);
void register_bitmanip_emitters(EmitterTable& t);

}  // namespace kemu::x86
