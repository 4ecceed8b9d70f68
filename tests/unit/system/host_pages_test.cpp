#include "system/host_pages.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "system/mapped_region.h"

namespace kemu {
namespace {

TEST(HostPages, AnonymousPagesAreUnpopulatedUntilWritten) {
    if (access("/proc/self/pagemap", R_OK) != 0) GTEST_SKIP() << "no /proc/self/pagemap";
    const size_t page = size_t(sysconf(_SC_PAGESIZE));
    MappedRegion region = MappedRegion::anonymous(2 * page);
    ASSERT_TRUE(region.valid());
    EXPECT_TRUE(anonymous_page_unpopulated(region.data()));
    EXPECT_TRUE(anonymous_page_unpopulated(region.data() + page + 100));
    region.data()[10] = 1;
    EXPECT_FALSE(anonymous_page_unpopulated(region.data()));
    EXPECT_FALSE(anonymous_page_unpopulated(region.data() + page - 1));
    EXPECT_TRUE(anonymous_page_unpopulated(region.data() + page));
}

}  // namespace
}  // namespace kemu
