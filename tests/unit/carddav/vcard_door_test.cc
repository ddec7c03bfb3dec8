// The door of vCard data (ValidateVCard, CheckVCardText): bytes that are not UTF-8 text or hold
// control characters are refused with their line; what real clients send still passes.
#include <gtest/gtest.h>

#include "dav/carddav/vcard.h"
#include "tests/unit/carddav/test_util.h"

namespace cartable::dav::carddav {
namespace {

using testing::Sample;

Status Refusal(const std::string& text) {
  Result<store::ObjectIndex> r = ValidateVCard(text, 1u << 20);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Status::OK() : r.status();
}

TEST(VCardDoor, ControlCharacterIsRefusedWithItsLine) {
  Status s =
      Refusal("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:k1\r\nFN:Marie\x07 Dupont\r\nEND:VCARD\r\n");
  EXPECT_EQ(s.precondition(), Precondition::kValidAddressData);
  EXPECT_EQ(s.HttpCode(), 403);
  EXPECT_NE(s.message().find("line 4: character U+0007"), std::string::npos) << s.message();
}

TEST(VCardDoor, InvalidUtf8IsRefusedWithItsLine) {
  Status s = Refusal("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:k2\r\nFN:H\xE9l\xE8ne\r\nEND:VCARD\r\n");
  EXPECT_EQ(s.precondition(), Precondition::kValidAddressData);
  EXPECT_NE(s.message().find("line 4: byte 0xE9 is not valid UTF-8"), std::string::npos)
      << s.message();
}

TEST(VCardDoor, BareCrIsRefused) {
  EXPECT_EQ(
      Refusal("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:k3\r\nFN:a\rb\r\nEND:VCARD\r\n").precondition(),
      Precondition::kValidAddressData);
}

TEST(VCardDoor, ClientSamplesPass) {
  for (const char* name :
       {"apple30.vcf", "apple_group30.vcf", "cardbook40.vcf", "thunderbird30.vcf"}) {
    std::string text = Sample(name);
    EXPECT_TRUE(CheckVCardText(text).ok()) << name << ": " << CheckVCardText(text).ToString();
  }
  EXPECT_TRUE(
      ValidateVCard("BEGIN:VCARD\nVERSION:3.0\nUID:k4\nFN:H\xC3\xA9l\xC3\xA8ne\tX\nEND:VCARD\n",
                    1u << 20)
          .ok());
}

}  // namespace
}  // namespace cartable::dav::carddav
