// Opening images: format probing (as QEMU does, with its warning when raw is guessed),
// backing chains with loop detection, and image creation by format name.
#pragma once

#include <memory>
#include <string>

#include "block/block_driver.h"
#include "block/qcow2/qcow2.h"

namespace kemu::block {

struct OpenOptions {
    std::string format;  // empty: probe
    // `format` came from probe_format() (the caller probed): a raw image then has its block-0
    // writes restricted as if it had been probed here (see RawDriver).
    bool format_probed = false;
    bool read_only = false;
    bool direct = false;       // O_DIRECT on every file in the chain
    bool no_flush = false;     // cache=unsafe: syncs are skipped (FileOpenFlags::no_flush)
    bool open_backing = true;  // false: ignore the backing link (rebase -u, info)
    size_t l2_cache_tables = 32;
    // Where "WARNING: Image format was not specified..." goes; null silences it.
    std::FILE* warnings = stderr;
};

// Returns "qcow2" or "raw"; errors for formats we recognise but do not support.
Result<std::string> probe_format(const std::string& path);

Result<std::unique_ptr<BlockDriver>> open_image(const std::string& path,
                                                const OpenOptions& options);

// A backing file name as stored in an overlay, resolved against the overlay's directory.
std::string resolve_backing_path(const std::string& overlay, const std::string& backing);

}  // namespace kemu::block
