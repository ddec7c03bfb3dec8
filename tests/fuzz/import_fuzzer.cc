// libFuzzer target: the directory import parsers (directory/import_csv.cc, import_ldif.cc).
// The same bytes go to both parsers and to the format sniffing, as `cartable directory import`
// does with an operator-supplied file; the fields the import normalises for identity checks
// (NUMEN, birth date, last name) go through those normal forms too.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "directory/import_parse.h"
#include "directory/secret_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cartable::directory::LooksLikeLdif(text);
  for (const auto& parsed :
       {cartable::directory::ParseCsv(text), cartable::directory::ParseLdif(text)}) {
    for (const cartable::directory::PersonRecord& r : parsed.records) {
      (void)cartable::directory::NormalBirthDate(r.date_naissance);
      (void)cartable::directory::NormalNumen(r.numen);
      (void)cartable::directory::NormalLastName(r.nom);
    }
  }
  return 0;
}
