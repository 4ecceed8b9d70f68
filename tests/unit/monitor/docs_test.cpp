// docs/monitor.md carries the command reference generated from the tables;
// this keeps the two from drifting. On a mismatch, paste the printed text
// between the markers.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "monitor/hmp_table.h"

namespace kemu {
namespace {

TEST(MonitorDocs, CommandReferenceMatchesTheTables) {
    std::ifstream in(KEMU_SOURCE_ROOT "/docs/monitor.md");
    ASSERT_TRUE(in) << "cannot read docs/monitor.md";
    std::stringstream ss;
    ss << in.rdbuf();
    std::string doc = ss.str();
    const std::string begin = "<!-- BEGIN hmp-commands (generated from monitor/*.def) -->\n";
    const std::string end = "<!-- END hmp-commands -->";
    size_t b = doc.find(begin);
    size_t e = doc.find(end);
    ASSERT_NE(b, std::string::npos);
    ASSERT_NE(e, std::string::npos);
    std::string section = doc.substr(b + begin.size(), e - b - begin.size());
    EXPECT_EQ(section, hmp_commands_markdown()) << "expected section:\n" << hmp_commands_markdown();
}

}  // namespace
}  // namespace kemu
