// libFuzzer target: vCard at the door and on the way out (dav/carddav): validation as a PUT
// does it, parse + serialise (must parse again: Serialize is what the server stores after a
// conversion), version conversion both ways (the result must parse too, clients read it), and
// address-data rendering with a property selection.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dav/carddav/vcard.h"

namespace {

namespace carddav = cartable::dav::carddav;

// What the server writes must read back, and the same: serialising it again gives the same bytes.
void MustParse(const std::string& text, const char* what) {
  auto again = carddav::ParseVCard(text);
  if (!again.ok()) {
    std::fprintf(stderr, "%s does not parse: %s\n%s\n", what, again.status().ToString().c_str(),
                 text.c_str());
    std::abort();
  }
  std::string twice = carddav::SerializeVCard(*again);
  if (twice != carddav::SerializeVCard(*carddav::ParseVCard(twice))) {
    std::fprintf(stderr, "%s does not serialise stably:\n%s\n", what, twice.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)carddav::ValidateVCard(text, 1u << 20);
  (void)carddav::VersionFromAccept(text.substr(0, 64));
  auto card = carddav::ParseVCard(text);
  if (!card.ok()) return 0;
  MustParse(carddav::SerializeVCard(*card), "the serialisation of a parsed vCard");
  for (const char* version : {"3.0", "4.0"}) {
    auto converted = carddav::ConvertVCard(text, version);
    if (converted.ok()) MustParse(*converted, version);
  }
  for (const auto& p : card->properties) {
    (void)carddav::EscapeText(carddav::UnescapeText(p.value));
  }
  carddav::AddressDataRequest request;
  request.version = card->version == "3.0" ? "4.0" : "3.0";
  request.all_props = false;
  request.props = {"FN", "EMAIL", "TEL"};
  (void)carddav::RenderAddressData(text, request);
  return 0;
}
