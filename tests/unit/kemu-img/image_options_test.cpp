// -o lists: one key=value syntax, QEMU's boolean words, range-checked numbers.
#include "tools/kemu-img/image_options.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace kemu::img {
namespace {

OptionMap options(const std::string& list) {
    auto r = parse_option_lists({list});
    EXPECT_TRUE(r.ok()) << list << ": " << (r.ok() ? "" : r.error().message());
    return r.ok() ? *r : OptionMap{};
}

TEST(KemuImgOptions, ListsAccumulateAndCommasDouble) {
    auto r = parse_option_lists({"compat=v3,backing_file=a,,b", "compat=0.10,lazy_refcounts"});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->at("compat"), "0.10");
    EXPECT_EQ(r->at("backing_file"), "a,b");
    EXPECT_EQ(r->at("lazy_refcounts"), "on");
    EXPECT_EQ(parse_option_lists({"help"}).error().message(),
              "Supported options: see docs/kemu-img.md");
    EXPECT_EQ(parse_option_lists({"a=1,=2"}).error().message(), "Invalid parameter '=2'");
}

TEST(KemuImgOptions, BooleanVocabulary) {
    for (const char* word : {"on", "yes", "true"})
        EXPECT_EQ(*bool_option(options(std::string("lazy_refcounts=") + word), "lazy_refcounts"),
                  std::optional<bool>(true))
            << word;
    for (const char* word : {"off", "no", "false"})
        EXPECT_EQ(*bool_option(options(std::string("lazy_refcounts=") + word), "lazy_refcounts"),
                  std::optional<bool>(false))
            << word;
    EXPECT_EQ(*bool_option(options("compat=v3"), "lazy_refcounts"), std::nullopt);
    // A typo is an error, never a silent "off".
    for (const char* word : {"of", "onn", "1", "enable", "OFF"}) {
        auto r = bool_option(options(std::string("lazy_refcounts=") + word), "lazy_refcounts");
        ASSERT_FALSE(r.ok()) << word;
        EXPECT_EQ(r.error().message(), "Parameter 'lazy_refcounts' expects 'on' or 'off', not '" +
                                           std::string(word) + "'");
    }
}

TEST(KemuImgOptions, RefcountBitsIsRangeChecked) {
    for (auto [text, bits] : {std::pair{"1", 1u}, {"16", 16u}, {"64", 64u}})
        EXPECT_EQ(*refcount_bits_option(options(std::string("refcount_bits=") + text)),
                  std::optional<uint32_t>(bits));
    const std::string range = "Refcount width must be a power of two and may not exceed 64 bits";
    for (const char* text : {"0", "3", "128", "4294967312"}) {
        auto r = refcount_bits_option(options(std::string("refcount_bits=") + text));
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().message(), range) << text;
    }
    for (const char* text : {"16abc", "", "-16", "sixteen"}) {
        auto r = refcount_bits_option(options(std::string("refcount_bits=") + text));
        ASSERT_FALSE(r.ok()) << text;
        EXPECT_EQ(r.error().message(),
                  "Parameter 'refcount_bits' expects a number, not '" + std::string(text) + "'");
    }
}

TEST(KemuImgOptions, ClusterSizeIsRangeChecked) {
    EXPECT_EQ(*cluster_size_option(options("cluster_size=4k")), std::optional<uint32_t>(4096));
    EXPECT_EQ(*cluster_size_option(options("cluster_size=2M")), std::optional<uint32_t>(2u << 20));
    const std::string range = "Cluster size must be a power of two between 512 and 2048k";
    // 4G + 64k would have wrapped to 64k in a 32-bit field.
    for (const char* text : {"256", "3000", "4M", "4295032832"})
        EXPECT_EQ(
            cluster_size_option(options(std::string("cluster_size=") + text)).error().message(),
            range)
            << text;
    EXPECT_EQ(cluster_size_option(options("cluster_size=big")).error().message(),
              "Parameter 'cluster_size' expects a size, not 'big'");
}

TEST(KemuImgOptions, CompatVersions) {
    EXPECT_EQ(*qcow2_version_option(options("compat=0.10")), std::optional<uint32_t>(2));
    EXPECT_EQ(*qcow2_version_option(options("compat=v2")), std::optional<uint32_t>(2));
    EXPECT_EQ(*qcow2_version_option(options("compat=1.1")), std::optional<uint32_t>(3));
    EXPECT_EQ(*qcow2_version_option(options("compat=v3")), std::optional<uint32_t>(3));
    EXPECT_EQ(qcow2_version_option(options("compat=1.0")).error().message(),
              "Parameter 'compat' does not accept value '1.0'");
}

// A bad value stops creation before anything is written.
TEST(KemuImgOptions, CreateRefusesBadValuesWithoutTouchingTheDisk) {
    std::string path = ::testing::TempDir() + "kemu_img_options_" + std::to_string(getpid());
    const std::pair<const char*, const char*> cases[] = {
        {"lazy_refcounts=maybe", "Parameter 'lazy_refcounts' expects 'on' or 'off', not 'maybe'"},
        {"extended_l2=of", "Parameter 'extended_l2' expects 'on' or 'off', not 'of'"},
        {"refcount_bits=4294967312",
         "Refcount width must be a power of two and may not exceed 64 bits"},
        {"compression_type=lz4", "Parameter 'compression_type' does not accept value 'lz4'"},
        {"preallocation=some", "Parameter 'preallocation' does not accept value 'some'"},
        {"colour=blue", "Invalid parameter 'colour'"},
    };
    for (const auto& [list, message] : cases) {
        auto r = create_image({path, "qcow2", 1 << 20, options(list), true});
        ASSERT_FALSE(r.ok()) << list;
        EXPECT_EQ(r.error().message(), message);
        EXPECT_FALSE(std::filesystem::exists(path)) << list;
    }
    auto raw = create_image({path, "raw", 1 << 20, options("preallocation=metadata"), true});
    ASSERT_FALSE(raw.ok());
    EXPECT_EQ(raw.error().message(), "Parameter 'preallocation' does not accept value 'metadata'");
    EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace kemu::img
