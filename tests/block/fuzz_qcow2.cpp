// Fuzz target for the qcow2 driver: the input is an image file. It is opened read-only and
// read end to end (bounded), mapped and checked; then opened writable and written, which
// exercises allocation, copy-on-write and repair against hostile metadata.
//
// With clang, build with -fsanitize=fuzzer for libFuzzer. Otherwise `main` below replays
// the files named on the command line (a corpus or crash reproducers).
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "block/open.h"
#include "block/qcow2/qcow2.h"

namespace {

constexpr uint64_t kMaxBytesRead = 16 << 20;

// An anonymous in-memory file holding `data`, addressed through /proc/self/fd.
class MemFile {
  public:
    MemFile(const uint8_t* data, size_t size) : fd_(memfd_create("fuzz-image", 0)) {
        if (fd_ >= 0 && ::write(fd_, data, size) != static_cast<ssize_t>(size)) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~MemFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    bool ok() const { return fd_ >= 0; }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

  private:
    int fd_;
};

void exercise(const std::string& path, bool writable) {
    auto d = kemu::block::open_image(
        path, {.format = "qcow2", .read_only = !writable, .open_backing = false});
    if (!d) return;
    kemu::block::BlockDriver& drive = **d;
    std::vector<uint8_t> buf(65536);
    uint64_t limit = std::min<uint64_t>(drive.size(), kMaxBytesRead);
    for (uint64_t off = 0; off + buf.size() <= limit; off += buf.size()) {
        (void)drive.read(off, buf);
        (void)drive.block_status(off, buf.size());
    }
    if (writable && drive.size() >= 3 * buf.size()) {
        (void)drive.write(buf.size() / 2, buf);
        (void)drive.write_zeroes(0, buf.size(), true);
        (void)drive.discard(2 * buf.size(), buf.size());
    }
    if (auto* q = dynamic_cast<kemu::block::qcow2::Qcow2Driver*>(&drive)) {
        (void)q->check(writable ? kemu::block::qcow2::RepairMode::All
                                : kemu::block::qcow2::RepairMode::None);
    }
    (void)drive.close();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    MemFile readonly(data, size);
    if (readonly.ok()) exercise(readonly.path(), false);
    MemFile writable(data, size);  // a fresh copy: the first pass may not modify it
    if (writable.ok()) exercise(writable.path(), true);
    return 0;
}

#ifndef KEMU_LIBFUZZER
int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
        std::printf("%s: done\n", argv[i]);
    }
    return 0;
}
#endif
