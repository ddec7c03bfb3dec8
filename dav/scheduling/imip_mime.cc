// iMIP MIME on GMime 3: every GObject is held by a GPtr so each path releases its references.
#include "dav/scheduling/imip_mime.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <mutex>
#include <random>

#include "dav/gmime_ptr.h"
#include "dav/text_fold.h"

namespace cartable::dav::scheduling {
namespace {

// Deeper MIME trees than this are not searched (hostile nesting must not exhaust the stack).
constexpr int kMaxDepth = 32;

void Init() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

std::string Upper(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

// Content with LF line ends only: GMime's DOS newline format then writes CRLF everywhere.
std::string ToLf(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i]);
  }
  return out;
}

// Header values never carry line breaks or other controls (no header injection): spaces.
std::string HeaderText(std::string s) {
  for (char& ch : s) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ch = ' ';
  }
  return s;
}

// A bare address: no whitespace, controls, angle brackets, commas or quotes.
bool IsBareAddress(const std::string& address) {
  if (address.empty() || address.find('@') == std::string::npos) return false;
  return std::none_of(address.begin(), address.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c <= 0x20 || c == 0x7f || ch == '<' || ch == '>' || ch == ',' || ch == '"';
  });
}

// 128 random bits, hex: unguessable and unique enough for a Message-ID's left-hand side.
std::string RandomId() {
  std::random_device rd;
  std::string out;
  char buf[9];
  for (int i = 0; i < 4; ++i) {
    snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    out += buf;
  }
  return out;
}

// A leaf part holding `content` (UTF-8) as type/subtype; charset=utf-8, `encoding` on output.
GPtr<GMimePart> MakePart(const char* subtype, const std::string& content,
                         GMimeContentEncoding encoding) {
  GPtr<GMimePart> part(g_mime_part_new_with_type("text", subtype));
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(content.data(), content.size()));
  GPtr<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part.get(), wrapper.get());
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(part.get()), "charset", "utf-8");
  g_mime_part_set_content_encoding(part.get(), encoding);
  return part;
}

// Display names are encoded as UTF-8 (GMime would otherwise pick ISO-8859-1 when it fits).
void AddMailbox(InternetAddressList* list, const Mailbox& box) {
  std::string name = HeaderText(box.name);
  GPtr<InternetAddress> address(
      internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), box.address.c_str()));
  internet_address_set_charset(address.get(), "utf-8");
  internet_address_list_add(list, address.get());
}

std::string Serialize(GMimeMessage* message) {
  std::unique_ptr<GMimeFormatOptions, FormatOptionsDeleter> options(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(GMIME_OBJECT(message), options.get(), out.get());
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace

Result<std::string> BuildImipMessage(const ImipMail& mail) {
  if (mail.from.address.empty()) return Status::BadRequest("iMIP mail without sender");
  if (mail.to.empty()) return Status::BadRequest("iMIP mail without recipient");
  if (mail.method.empty()) return Status::BadRequest("iMIP mail without method");
  if (!IsBareAddress(mail.from.address)) return Status::BadRequest("invalid sender address");
  for (const Mailbox& to : mail.to) {
    if (!IsBareAddress(to.address))
      return Status::BadRequest("invalid recipient '" + to.address + "'");
  }
  if (!std::all_of(mail.method.begin(), mail.method.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-';
      })) {
    return Status::BadRequest("invalid method");
  }
  Init();
  GPtr<GMimeMessage> message(g_mime_message_new(TRUE));
  AddMailbox(g_mime_message_get_from(message.get()), mail.from);
  InternetAddressList* to_list = g_mime_message_get_addresses(message.get(), GMIME_ADDRESS_TYPE_TO);
  for (const Mailbox& to : mail.to) AddMailbox(to_list, to);
  g_mime_message_set_subject(message.get(), HeaderText(mail.subject).c_str(), "utf-8");
  std::unique_ptr<GDateTime, DateTimeDeleter> now(g_date_time_new_now_local());
  g_mime_message_set_date(message.get(), now.get());
  std::string domain = mail.message_id_domain;
  if (domain.empty() || !IsBareAddress("x@" + domain) || domain.find('@') != std::string::npos) {
    domain = "localhost";
  }
  g_mime_message_set_message_id(message.get(), (RandomId() + "@" + domain).c_str());
  g_mime_object_set_header(GMIME_OBJECT(message.get()), "MIME-Version", "1.0", nullptr);

  GPtr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
  GPtr<GMimePart> text = MakePart("plain", ToLf(mail.text), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  // Base64 keeps the calendar's CRLF bytes exactly, whatever the line lengths.
  GPtr<GMimePart> calendar = MakePart("calendar", mail.ics, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_content_type_parameter(GMIME_OBJECT(calendar.get()), "method",
                                           Upper(mail.method).c_str());
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(text.get()));
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(calendar.get()));
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(alternative.get()));
  return Serialize(message.get());
}

namespace {

bool IsCalendarPart(GMimeObject* object) {
  GMimeContentType* type = g_mime_object_get_content_type(object);
  return type && (g_mime_content_type_is_type(type, "text", "calendar") ||
                  g_mime_content_type_is_type(type, "application", "ics"));
}

// The first calendar leaf under `object`, depth-first in document order; borrowed.
GMimePart* FindCalendarPart(GMimeObject* object, int depth) {
  if (!object || depth > kMaxDepth) return nullptr;
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    int count = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < count; ++i) {
      GMimePart* found = FindCalendarPart(g_mime_multipart_get_part(multipart, i), depth + 1);
      if (found) return found;
    }
    return nullptr;
  }
  if (GMIME_IS_MESSAGE_PART(object)) {  // a forwarded invitation (message/rfc822)
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
    return inner ? FindCalendarPart(g_mime_message_get_mime_part(inner), depth + 1) : nullptr;
  }
  if (GMIME_IS_PART(object) && IsCalendarPart(object)) return GMIME_PART(object);
  return nullptr;
}

// The first mailbox of `list` (looking into groups), lowercased; "" if none.
std::string FirstAddress(InternetAddressList* list, int depth) {
  if (!list || depth > 2) return "";
  int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address));
      if (addr && *addr) return AsciiLower(addr);
    } else if (INTERNET_ADDRESS_IS_GROUP(address)) {
      std::string found = FirstAddress(
          internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), depth + 1);
      if (!found.empty()) return found;
    }
  }
  return "";
}

// How many mailboxes `list` holds, counting the members of groups.
size_t CountMailboxes(InternetAddressList* list, int depth) {
  if (!list || depth > 2) return 0;
  size_t n = 0;
  int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_MAILBOX(address)) {
      ++n;
    } else if (INTERNET_ADDRESS_IS_GROUP(address)) {
      n += CountMailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)),
                          depth + 1);
    }
  }
  return n;
}

// The raw values of the top-level header fields named `name`, in order.
std::vector<std::string> HeaderValues(GMimeObject* object, const char* name) {
  std::vector<std::string> out;
  GMimeHeaderList* headers = g_mime_object_get_header_list(object);
  int count = headers ? g_mime_header_list_get_count(headers) : 0;
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(headers, i);
    const char* field = g_mime_header_get_name(h);
    if (!field || g_ascii_strcasecmp(field, name) != 0) continue;
    const char* raw = g_mime_header_get_raw_value(h);
    out.emplace_back(raw ? raw : "");
  }
  return out;
}

bool IsUtf8Compatible(std::string charset) {
  charset = AsciiLower(std::move(charset));
  return charset == "utf-8" || charset == "utf8" || charset == "us-ascii" || charset == "ascii";
}

// The part's content with its transfer encoding undone, converted to UTF-8.
Result<std::string> DecodePart(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return std::string();
  GPtr<GMimeStream> out(g_mime_stream_mem_new());
  GPtr<GMimeStream> filtered(g_mime_stream_filter_new(out.get()));
  const char* charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
  if (charset && !IsUtf8Compatible(charset)) {
    GPtr<GMimeFilter> convert(g_mime_filter_charset_new(charset, "utf-8"));
    if (!convert) return Status::BadRequest(std::string("unsupported charset ") + charset);
    g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.get()), convert.get());
  }
  if (g_mime_data_wrapper_write_to_stream(content, filtered.get()) < 0 ||
      g_mime_stream_flush(filtered.get()) < 0) {
    return Status::BadRequest("cannot decode the text/calendar part");
  }
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

}  // namespace

Result<InboundImip> ParseImipMessage(std::string_view raw) {
  Init();
  GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
  if (!message || !g_mime_message_get_mime_part(message.get())) {
    return Status::BadRequest("not a MIME message");
  }
  InboundImip inbound;
  // GMime merges every From field into this one list.
  inbound.from = FirstAddress(g_mime_message_get_from(message.get()), 0);
  if (inbound.from.empty()) return Status::BadRequest("no From address");
  inbound.from_mailboxes = CountMailboxes(g_mime_message_get_from(message.get()), 0);
  inbound.authentication_results =
      HeaderValues(GMIME_OBJECT(message.get()), "Authentication-Results");
  GMimePart* part = FindCalendarPart(g_mime_message_get_mime_part(message.get()), 0);
  if (!part) return Status::BadRequest("no text/calendar part");
  const char* method = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "method");
  inbound.method = method ? Upper(method) : "";
  const char* id = g_mime_message_get_message_id(message.get());
  inbound.message_id = id ? id : "";
  Result<std::string> ics = DecodePart(part);
  if (!ics.ok()) return ics.status();
  inbound.ics = std::move(*ics);
  return inbound;
}

}  // namespace cartable::dav::scheduling
