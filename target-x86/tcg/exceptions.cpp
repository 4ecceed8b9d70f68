#include "target-x86/tcg/exceptions.h"

#include <array>

namespace kemu::x86 {
namespace {

struct VectorInfo {
    ExceptionClass cls;
    ExceptionType type;
    bool error_code;
};

using C = ExceptionClass;
using T = ExceptionType;

// Vectors 0-31 (SDM vol. 3 table 6-1); 22-31 reserved except #VC (29) and #SX (30), which
// push an error code on the processors that define them.
constexpr std::array<VectorInfo, 32> kVectors = {{
    {C::Contributory, T::Fault, false},  // 0 #DE
    {C::Benign, T::Trap, false},         // 1 #DB
    {C::Benign, T::Interrupt, false},    // 2 NMI
    {C::Benign, T::Trap, false},         // 3 #BP
    {C::Benign, T::Trap, false},         // 4 #OF
    {C::Benign, T::Fault, false},        // 5 #BR
    {C::Benign, T::Fault, false},        // 6 #UD
    {C::Benign, T::Fault, false},        // 7 #NM
    {C::DoubleFault, T::Abort, true},    // 8 #DF (error code always 0)
    {C::Benign, T::Abort, false},        // 9 coprocessor segment overrun
    {C::Contributory, T::Fault, true},   // 10 #TS
    {C::Contributory, T::Fault, true},   // 11 #NP
    {C::Contributory, T::Fault, true},   // 12 #SS
    {C::Contributory, T::Fault, true},   // 13 #GP
    {C::PageFault, T::Fault, true},      // 14 #PF
    {C::Benign, T::Fault, false},        // 15 reserved
    {C::Benign, T::Fault, false},        // 16 #MF
    {C::Benign, T::Fault, true},         // 17 #AC (error code always 0)
    {C::Benign, T::Abort, false},        // 18 #MC
    {C::Benign, T::Fault, false},        // 19 #XM
    {C::Benign, T::Fault, false},        // 20 #VE
    {C::Contributory, T::Fault, true},   // 21 #CP
    {C::Benign, T::Fault, false},        // 22
    {C::Benign, T::Fault, false},        // 23
    {C::Benign, T::Fault, false},        // 24
    {C::Benign, T::Fault, false},        // 25
    {C::Benign, T::Fault, false},        // 26
    {C::Benign, T::Fault, false},        // 27
    {C::Benign, T::Fault, false},        // 28
    {C::Benign, T::Fault, true},         // 29 #VC
    {C::Benign, T::Fault, true},         // 30 #SX
    {C::Benign, T::Fault, false},        // 31
}};

}  // namespace

ExceptionClass exception_class(uint8_t vector) {
    return vector < kVectors.size() ? kVectors[vector].cls : C::Benign;
}

ExceptionType exception_type(uint8_t vector) {
    return vector < kVectors.size() ? kVectors[vector].type : T::Interrupt;
}

bool pushes_error_code(uint8_t vector) {
    return vector < kVectors.size() && kVectors[vector].error_code;
}

Combined combine_exceptions(uint8_t first, uint8_t second) {
    C a = exception_class(first);
    C b = exception_class(second);
    // SDM 6.15 "Interrupt 8": a contributory exception or page fault while calling the #DF
    // handler shuts the processor down; a benign one is handled serially.
    if (a == C::DoubleFault)
        return (b == C::Contributory || b == C::PageFault || b == C::DoubleFault)
                   ? Combined::TripleFault
                   : Combined::DeliverSecond;
    if (a == C::Contributory && b == C::Contributory) return Combined::DoubleFault;
    if (a == C::PageFault && (b == C::Contributory || b == C::PageFault))
        return Combined::DoubleFault;
    return Combined::DeliverSecond;
}

}  // namespace kemu::x86
