// How a translated block hands control back to the exec loop.
#pragma once

#include <cstdint>

namespace kemu::tcg {

enum class BlockExit : uint8_t {
    Exit,     // exit_tb: the loop looks the next block up
    Goto0,    // goto_tb 0: the first direct successor (chainable)
    Goto1,    // goto_tb 1: the second direct successor (chainable)
    GotoPtr,  // goto_ptr: an indirect branch; the jump cache may know the target
};

}  // namespace kemu::tcg
