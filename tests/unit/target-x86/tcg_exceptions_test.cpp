#include "target-x86/tcg/exceptions.h"

#include <gtest/gtest.h>

namespace kemu::x86 {
namespace {

// SDM vol. 3 table 6-5, row by row.
TEST(TcgExceptions, CombinationTable) {
    // Benign first: the second is handled serially whatever it is.
    EXPECT_EQ(combine_exceptions(vec::DB, vec::GP), Combined::DeliverSecond);
    EXPECT_EQ(combine_exceptions(vec::UD, vec::PF), Combined::DeliverSecond);
    EXPECT_EQ(combine_exceptions(vec::NMI, vec::NP), Combined::DeliverSecond);
    // Contributory first.
    EXPECT_EQ(combine_exceptions(vec::GP, vec::UD), Combined::DeliverSecond);
    EXPECT_EQ(combine_exceptions(vec::DE, vec::GP), Combined::DoubleFault);
    EXPECT_EQ(combine_exceptions(vec::TS, vec::NP), Combined::DoubleFault);
    EXPECT_EQ(combine_exceptions(vec::SS, vec::SS), Combined::DoubleFault);
    EXPECT_EQ(combine_exceptions(vec::NP, vec::PF), Combined::DeliverSecond);
    // Page fault first.
    EXPECT_EQ(combine_exceptions(vec::PF, vec::BP), Combined::DeliverSecond);
    EXPECT_EQ(combine_exceptions(vec::PF, vec::PF), Combined::DoubleFault);
    EXPECT_EQ(combine_exceptions(vec::PF, vec::GP), Combined::DoubleFault);
    // Double fault first: contributory or #PF shut down, benign is serial.
    EXPECT_EQ(combine_exceptions(vec::DF, vec::GP), Combined::TripleFault);
    EXPECT_EQ(combine_exceptions(vec::DF, vec::PF), Combined::TripleFault);
    EXPECT_EQ(combine_exceptions(vec::DF, vec::DB), Combined::DeliverSecond);
}

TEST(TcgExceptions, ErrorCodesAndTypes) {
    for (uint8_t v : {vec::DF, vec::TS, vec::NP, vec::SS, vec::GP, vec::PF, vec::AC, vec::CP})
        EXPECT_TRUE(pushes_error_code(v)) << int(v);
    for (uint8_t v : {vec::DE, vec::DB, vec::NMI, vec::BP, vec::OF, vec::UD, vec::NM, vec::MF,
                      vec::MC, vec::XM, uint8_t(32), uint8_t(255)})
        EXPECT_FALSE(pushes_error_code(v)) << int(v);
    EXPECT_EQ(exception_type(vec::BP), ExceptionType::Trap);
    EXPECT_EQ(exception_type(vec::OF), ExceptionType::Trap);
    EXPECT_EQ(exception_type(vec::GP), ExceptionType::Fault);
    EXPECT_EQ(exception_type(vec::DF), ExceptionType::Abort);
    EXPECT_EQ(exception_type(vec::MC), ExceptionType::Abort);
    EXPECT_EQ(exception_type(0x80), ExceptionType::Interrupt);
    EXPECT_EQ(exception_class(0x80), ExceptionClass::Benign);
}

}  // namespace
}  // namespace kemu::x86
