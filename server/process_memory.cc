#include "server/process_memory.h"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>

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

uint64_t ResidentMemoryBytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const bool read = std::fscanf(statm, "%llu %llu", &size, &resident) == 2;
  std::fclose(statm);
  const long page = sysconf(_SC_PAGESIZE);
  return read && page > 0 ? resident * static_cast<uint64_t>(page) : 0;
}

}  // namespace cartable::server
