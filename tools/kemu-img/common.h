// Shared pieces of kemu-img: failure reports, opening images as qemu-img does, --output,
// the progress bar and a tiny JSON writer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "block/block_driver.h"
#include "block/image_lock.h"
#include "block/open.h"
#include "block/text_format.h"
#include "system/error.h"
#include "tools/kemu-img/command_line.h"

namespace kemu::img {

// Prints "kemu-img: <message>" and returns 1 (the exit status for failures).
int fail(const std::string& message);
int fail(const Error& error);

// --output=human|json as info, check, map and measure take it: true for json.
Result<bool> json_output(const ParsedArgs& args);

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

}  // namespace kemu::img
