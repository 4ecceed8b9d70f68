#include "system/module.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target-x86/disas.h"

namespace kemu {
namespace {

// KEMU_MODULE_DIR names the build tree, where meson puts the modules.
TEST(Module, FindsAModuleThroughKemuModuleDir) {
    auto entry = module_entry<Disassembler>("disas-capstone");
    ASSERT_TRUE(entry) << entry.error().message();
    const uint8_t hlt = 0xf4;
    auto lines = (*entry)(std::span<const uint8_t>(&hlt, 1), 0, 64, 1);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].text, "hlt");
}

TEST(Module, AMissingModuleNamesTheFileAndTheSearchPath) {
    auto entry = module_entry<Disassembler>("no-such-module");
    ASSERT_FALSE(entry);
    EXPECT_EQ(entry.error().message(), "no-such-module.so is not in " + module_search_path());
    const char* dir = getenv("KEMU_MODULE_DIR");
    ASSERT_NE(dir, nullptr) << "meson test sets KEMU_MODULE_DIR";
    EXPECT_EQ(module_search_path().find(dir), 0u);
}

TEST(Module, ASharedObjectWithoutAnEntryIsNotAModule) {
    // libc is a shared object in no kemu search directory; a directory holding a link to
    // it named like a module is enough to see the check.
    std::string dir = testing::TempDir() + "kemu-module-test";
    mkdir(dir.c_str(), 0700);
    std::string link = dir + "/not-kemu.so";
    unlink(link.c_str());
    const char* libc = "/lib/x86_64-linux-gnu/libc.so.6";
    if (access(libc, F_OK) != 0) GTEST_SKIP() << libc << " is not here";
    ASSERT_EQ(symlink(libc, link.c_str()), 0);
    const char* env = getenv("KEMU_MODULE_DIR");
    ASSERT_NE(env, nullptr) << "meson test sets KEMU_MODULE_DIR";
    std::string saved = env;
    setenv("KEMU_MODULE_DIR", dir.c_str(), 1);
    auto entry = module_entry<Disassembler>("not-kemu");
    setenv("KEMU_MODULE_DIR", saved.c_str(), 1);
    unlink(link.c_str());
    ASSERT_FALSE(entry);
    EXPECT_EQ(entry.error().message(), link + " is not a kemu module (no kemu_not_kemu)");
}

}  // namespace
}  // namespace kemu
