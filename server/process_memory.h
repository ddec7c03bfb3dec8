// Process-wide bounds on the memory glibc's allocator keeps (issue 14: peak resident memory).
#pragma once

#include <cstdint>

namespace cartable::server {

// Call once at start, before other threads allocate.
// - `arenas` > 0 caps glibc's malloc arenas (M_ARENA_MAX). By default every thread that
//   allocates while another holds an arena gets its own, up to 8 per core, and each keeps its
//   freed chunks: the reactors, the hash pool and the mail queue each held tens of MiB after a
//   large PROPFIND ([server] malloc_arenas).
// - Blocks of 256 KiB and more (multistatus bodies, response buffers) are mmap'ed, so that
//   they go back to the system when freed. glibc's threshold otherwise rises to the size of the
//   largest block freed (up to 32 MiB), after which such blocks stay in the arena.
void ApplyMallocBounds(unsigned arenas);

// The process's resident memory in bytes (/proc/self/statm: resident pages × page size); 0
// when /proc cannot tell. For /metrics (process_resident_memory_bytes).
uint64_t ResidentMemoryBytes();

}  // namespace cartable::server
