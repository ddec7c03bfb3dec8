#include "server/process_memory.h"

#include <malloc.h>

namespace cartable::server {

namespace {
constexpr int kMmapThresholdBytes = 256 << 10;
}  // namespace

void ApplyMallocBounds(unsigned arenas) {
  if (arenas > 0) mallopt(M_ARENA_MAX, static_cast<int>(arenas));
  // Setting either threshold turns glibc's dynamic adjustment off (mallopt(3)).
  mallopt(M_MMAP_THRESHOLD, kMmapThresholdBytes);
  mallopt(M_TRIM_THRESHOLD, 2 * kMmapThresholdBytes);
}

}  // namespace cartable::server
