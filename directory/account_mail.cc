// Account mail on GMime 3: every GObject is held by a GPtr so each path releases its references.
#include "directory/account_mail.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "dav/gmime_ptr.h"
#include "directory/secret_key.h"

namespace cartable::directory {
namespace {

void Init() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// Header values never carry line breaks or other controls: spaces.
std::string HeaderText(std::string s) {
  for (char& ch : s) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  return s;
}

// GMime's DOS newline format writes CRLF for every LF: the content must hold LF only.
std::string ToLf(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch != '\r') out.push_back(ch);
  }
  return out;
}

void AddMailbox(InternetAddressList* list, const std::string& address) {
  GPtr<InternetAddress> mailbox(internet_address_mailbox_new(nullptr, address.c_str()));
  internet_address_list_add(list, mailbox.get());
}

}  // namespace

bool IsMailAddress(const std::string& address) {
  if (address.size() > 254) return false;
  size_t at = address.find('@');
  if (at == std::string::npos || at == 0 || address.find('@', at + 1) != std::string::npos) {
    return false;
  }
  bool clean = std::none_of(address.begin(), address.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c >= 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == '"' ||
           ch == ';' || ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == '\\';
  });
  if (!clean) return false;
  std::string domain = address.substr(at + 1);
  if (domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string::npos) {
    return false;
  }
  return true;
}

Result<std::string> BuildAccountMail(const AccountMail& mail) {
  if (!IsMailAddress(mail.from)) return Status::BadRequest("invalid sender address");
  if (!IsMailAddress(mail.to)) return Status::BadRequest("invalid recipient address");
  Init();
  GPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  AddMailbox(g_mime_message_get_from(message.get()), mail.from);
  AddMailbox(g_mime_message_get_addresses(message.get(), GMIME_ADDRESS_TYPE_TO), mail.to);
  g_mime_message_set_subject(message.get(), HeaderText(mail.subject).c_str(), "utf-8");
  std::unique_ptr<GDateTime, DateTimeDeleter> date(g_date_time_new_from_unix_utc(mail.date));
  g_mime_message_set_date(message.get(), date.get());
  std::string domain = mail.from.substr(mail.from.find('@') + 1);
  g_mime_message_set_message_id(message.get(), (RandomToken(16) + "@" + domain).c_str());
  g_mime_object_set_header(GMIME_OBJECT(message.get()), "MIME-Version", "1.0", nullptr);

  std::string text = ToLf(mail.text);
  GPtr<GMimePart> part(g_mime_part_new_with_type("text", "plain"));
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(text.data(), text.size()));
  GPtr<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), wrapper.get());
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(part.get()));

  std::unique_ptr<GMimeFormatOptions, FormatOptionsDeleter> options(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(GMIME_OBJECT(message.get()), options.get(), out.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace cartable::directory
