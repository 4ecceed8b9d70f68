// A drive's asynchronous requests to its BlockBackend, with the two guarantees the command
// state machines rely on: a completion that arrives after its command was abandoned (reset,
// media change, the drive destroyed) is dropped, and the buffer a request reads into or
// writes from lives until the request is over, whoever still holds it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "block/block_backend.h"

namespace kemu::ide {

using IoBuffer = std::shared_ptr<std::vector<uint8_t>>;

class DriveIo {
  public:
    using Done = std::function<void(bool ok)>;

    DriveIo();
    ~DriveIo();
    DriveIo(const DriveIo&) = delete;
    DriveIo& operator=(const DriveIo&) = delete;

    // Fills all of `buf` from `offset`.
    void read(block::BlockBackend& backend, uint64_t offset, IoBuffer buf, Done done);
    void write(block::BlockBackend& backend, uint64_t offset, IoBuffer buf, Done done);
    void flush(block::BlockBackend& backend, Done done);

    // Abandons the requests in flight: their `done` will not run.
    void cancel();
    bool idle() const;
    // Runs `fn` once no request is in flight: now, or after the last completion.
    void when_idle(std::function<void()> fn);

  private:
    struct State;
    Done track(Done done);

    std::shared_ptr<State> state_;
};

}  // namespace kemu::ide
