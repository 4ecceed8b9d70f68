// Asynchronous I/O engines. Requests are fd-level reads, writes and flushes (the raw
// direct path) or arbitrary blocking work (format drivers); either way the completion
// callback executes on the main loop.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>

#include "system/error.h"

namespace kemu {
class EventLoop;
}

namespace kemu::block {

// Hands a completion to the thread that should run it.
using Deliver = std::function<void(std::function<void()>)>;

struct IoRequest {
    enum class Op { Read, Write, Flush };
    Op op;
    int fd;
    void* buf;
    size_t len;
    uint64_t offset;
};

class IoEngine {
  public:
    // Bytes transferred (the full length on success) or -errno.
    using Done = std::function<void(ssize_t result)>;

    virtual ~IoEngine() = default;
    virtual const char* name() const = 0;
    virtual void submit(const IoRequest& request, Done done) = 0;
    // Runs blocking `work` off the calling thread; its return value is passed to `done`.
    virtual void run(std::function<ssize_t()> work, Done done) = 0;
};

// A pool of worker threads executing blocking calls (pread, pwrite, driver calls).
std::unique_ptr<IoEngine> make_thread_pool_engine(Deliver deliver, unsigned threads);
// Where an io_uring engine sends fd writes: into the ring, or to its thread pool as blocking
// pwrite calls (reads and flushes always use the ring).
enum class UringWrites { Ring, Threads };
// io_uring for fd requests, its completions reaped by `loop` (work items still go to a
// thread pool of at most `threads`). Fails when the kernel or a seccomp policy refuses
// io_uring.
Result<std::unique_ptr<IoEngine>> make_uring_engine(EventLoop& loop, unsigned queue_depth,
                                                    unsigned threads,
                                                    UringWrites writes = UringWrites::Ring);
// The engine of a buffered drive without aio= (block::make_engine): io_uring for reads and
// flushes, a thread pool for writes, or the pool alone when io_uring is unavailable.
// Completions run on `loop`, which must outlive the engine.
std::unique_ptr<IoEngine> make_default_engine(EventLoop& loop);

}  // namespace kemu::block
