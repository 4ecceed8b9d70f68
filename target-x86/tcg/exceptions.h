// Exception vectors and the facts about them that delivery and the exec loop need
// (SDM vol. 3 6.3, 6.15, table 6-5).
#pragma once

#include <cstdint>

namespace kemu::x86 {

namespace vec {
constexpr uint8_t DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8;
constexpr uint8_t TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17, MC = 18;
constexpr uint8_t XM = 19, VE = 20, CP = 21;
}  // namespace vec

// Table 6-5 groups exceptions into these classes to decide what a second one during
// delivery of the first becomes.
enum class ExceptionClass : uint8_t { Benign, Contributory, PageFault, DoubleFault };

// Fault: the saved RIP is the faulting instruction. Trap: the next one. Abort: imprecise.
// #DB is a fault for instruction breakpoints and a trap otherwise; the table lists it as a trap
// and the exec loop sets RIP itself for the fault case.
enum class ExceptionType : uint8_t { Fault, Trap, Abort, Interrupt };

ExceptionClass exception_class(uint8_t vector);
ExceptionType exception_type(uint8_t vector);
bool pushes_error_code(uint8_t vector);

enum class Combined : uint8_t { DeliverSecond, DoubleFault, TripleFault };

// What the processor does when `second` is raised while delivering `first`.
Combined combine_exceptions(uint8_t first, uint8_t second);

// Error-code bits of a selector-style error code (SDM vol. 3 6.13).
namespace errbit {
constexpr uint32_t EXT = 1u << 0, IDT = 1u << 1, TI = 1u << 2;
}

}  // namespace kemu::x86
