// Byte-string access to guest linear memory for helpers that move whole structures
// (FXSAVE, XSAVE, FSAVE images): in 8-byte pieces through the vCPU's MMU, at the
// current privilege level, faulting as the guest access would.
#pragma once

#include <cstdint>
#include <cstring>

#include "target-x86/tcg/cpu_runtime.h"

namespace kemu::x86 {

inline unsigned guest_chunk(unsigned left) {
    return left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

inline void read_guest_bytes(void* env, uint64_t linear, uint8_t* out, unsigned n) {
    CpuRuntime& rt = runtime(env);
    for (unsigned done = 0; done < n;) {
        unsigned chunk = guest_chunk(n - done);
        uint64_t v = rt.read(linear + done, chunk, Priv::Current);
        std::memcpy(out + done, &v, chunk);
        done += chunk;
    }
}

// Stores fault before any byte changes: the first and last byte are written back with
// their own values first, so a fault on either page comes before the real store.
inline void write_guest_bytes(void* env, uint64_t linear, const uint8_t* in, unsigned n) {
    CpuRuntime& rt = runtime(env);
    if (n > 8) {
        for (uint64_t probe : {linear, linear + n - 1})
            rt.write(probe, 1, rt.read(probe, 1, Priv::Current), Priv::Current);
    }
    for (unsigned done = 0; done < n;) {
        unsigned chunk = guest_chunk(n - done);
        uint64_t v = 0;
        std::memcpy(&v, in + done, chunk);
        rt.write(linear + done, chunk, v, Priv::Current);
        done += chunk;
    }
}

}  // namespace kemu::x86
