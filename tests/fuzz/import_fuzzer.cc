// libFuzzer target: the directory import parsers (directory/import_csv.cc, import_ldif.cc).
// The same bytes go to both parsers and to the format sniffing, as `cartable directory import`
// does with an operator-supplied file.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "directory/import_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cartable::directory::LooksLikeLdif(text);
  (void)cartable::directory::ParseCsv(text);
  (void)cartable::directory::ParseLdif(text);
  return 0;
}
