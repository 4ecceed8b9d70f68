// Shared pieces of kemu-img: argument helpers, qemu-img compatible number and size
// formatting, option lists (-o a=b,c=d), the progress bar and a tiny JSON writer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "block/block_driver.h"
#include "block/image_lock.h"
#include "block/open.h"
#include "block/text_format.h"
#include "system/error.h"

namespace kemu::img {

// Prints "kemu-img: <message>" and returns 1 (the exit status for failures).
int fail(const std::string& message);
int fail(const Error& error);

// "1G", "512k", "10M", "1024" (bytes); binary suffixes as qemu-img accepts them.
std::optional<uint64_t> parse_size(const std::string& text);

// "-o a=b,c=d" (commas inside values doubled, as qemu does); repeated -o accumulate.
using OptionMap = std::map<std::string, std::string>;
Result<void> parse_option_list(const std::string& text, OptionMap& out);

// An open image plus, unless shared (-U), the lock qemu-img would hold on it: readers
// refuse concurrent writers and writers refuse everyone (QEMU's locking scheme).
struct OpenedImage {
    std::optional<block::ImageLock> lock;
    std::unique_ptr<block::BlockDriver> driver;

    block::BlockDriver* get() const { return driver.get(); }
    block::BlockDriver* operator->() const { return driver.get(); }
    block::BlockDriver& operator*() const { return *driver; }
    void reset() {
        driver.reset();
        lock.reset();
    }
};

// Opens with kemu-img's conventions: errors already carry "Could not open '...'".
Result<OpenedImage> open_for_tool(const std::string& path, const std::string& format, bool writable,
                                  bool open_backing = true, bool share = false);
// The same with every open option (convert's cache modes); writable unless options.read_only.
Result<OpenedImage> open_for_tool(const std::string& path, const block::OpenOptions& options,
                                  bool share = false);

// qemu-img's "    (12.34/100%)\r" progress line, printed only when enabled.
class Progress {
  public:
    explicit Progress(bool enabled) : enabled_(enabled) {}
    void update(double fraction);
    void finish();

  private:
    bool enabled_;
    double last_ = -1;
};

// Minimal JSON emission in qemu-img's layout (4-space indentation).
std::string json_string(const std::string& s);

// Uses the image's format-specific creation: qcow2 or raw.
struct CreateRequest {
    std::string path;
    std::string format = "raw";
    uint64_t size = 0;
    OptionMap options;
    bool quiet = false;
};
Result<void> create_image(const CreateRequest& request);

}  // namespace kemu::img
