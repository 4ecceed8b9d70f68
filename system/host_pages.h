// What the host kernel knows about our own memory pages.
#pragma once

namespace kemu {

// Whether the host page holding `address`, in anonymous private memory (guest RAM is always
// that: MappedRegion::anonymous), was never populated: neither present nor swapped out, so
// it reads as zeros. False when the kernel does not say (no readable /proc/self/pagemap).
bool anonymous_page_unpopulated(const void* address);

}  // namespace kemu
