// Incoming test mail built by GMime, as a sender's mail client and our MTA would produce it: a
// multipart/alternative message (text/plain, then text/calendar; method=...) with the
// Authentication-Results fields an MTA prepends. Header-only; links GMime through cartable_dav.
#pragma once

#include <gmime/gmime.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cartable::dav::scheduling::testing {

struct TestMail {
  // One From field per entry; an entry may list several mailboxes ("a@x.org, b@y.org").
  std::vector<std::string> from;
  std::string to = "jean.labert@ac-orleans-tours.fr";
  std::string subject = "Invitation";
  // Prepended by the MTA: the first is the topmost field of the message. One line each (GMime
  // folds long values as it writes them; a CR or LF would be RFC 2047-encoded).
  std::vector<std::string> authentication_results;
  std::string method;  // method= of the calendar part
  std::string ics;
  std::string text = "Bonjour,\nvoici l'invitation.\n";
};

// The RFC 5322 message for `mail`, CRLF line ends.
inline std::string BuildTestMail(const TestMail& mail) {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
  struct Unref {
    void operator()(gpointer p) const {
      if (p) g_object_unref(p);
    }
  };
  using Msg = std::unique_ptr<GMimeMessage, Unref>;
  Msg message(g_mime_message_new(FALSE));
  GMimeObject* top = GMIME_OBJECT(message.get());
  for (const std::string& from : mail.from) {
    g_mime_object_append_header(top, "From", from.c_str(), "utf-8");
  }
  g_mime_object_append_header(top, "To", mail.to.c_str(), "utf-8");
  g_mime_message_set_subject(message.get(), mail.subject.c_str(), "utf-8");
  g_mime_message_set_message_id(message.get(), "test-1@example.org");
  g_mime_object_set_header(top, "MIME-Version", "1.0", nullptr);
  for (auto it = mail.authentication_results.rbegin(); it != mail.authentication_results.rend();
       ++it) {
    g_mime_object_prepend_header(top, "Authentication-Results", it->c_str(), nullptr);
  }

  auto part = [](const char* subtype, const std::string& content, GMimeContentEncoding enc) {
    GMimePart* p = g_mime_part_new_with_type("text", subtype);
    GMimeStream* stream = g_mime_stream_mem_new_with_buffer(content.data(), content.size());
    GMimeDataWrapper* wrapper =
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);
    g_mime_part_set_content(p, wrapper);
    g_object_unref(wrapper);
    g_object_unref(stream);
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(p), "charset", "utf-8");
    g_mime_part_set_content_encoding(p, enc);
    return p;
  };
  GMimeMultipart* alternative = g_mime_multipart_new_with_subtype("alternative");
  GMimePart* text = part("plain", mail.text, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  GMimePart* calendar = part("calendar", mail.ics, GMIME_CONTENT_ENCODING_BASE64);
  if (!mail.method.empty()) {
    g_mime_object_set_content_type_parameter(GMIME_OBJECT(calendar), "method", mail.method.c_str());
  }
  g_mime_multipart_add(alternative, GMIME_OBJECT(text));
  g_mime_multipart_add(alternative, GMIME_OBJECT(calendar));
  g_mime_message_set_mime_part(message.get(), GMIME_OBJECT(alternative));
  g_object_unref(text);
  g_object_unref(calendar);
  g_object_unref(alternative);

  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  GMimeStream* out = g_mime_stream_mem_new();
  g_mime_object_write_to_stream(top, options, out);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
  std::string raw(reinterpret_cast<const char*>(bytes->data), bytes->len);
  g_object_unref(out);
  g_mime_format_options_free(options);
  return raw;
}

}  // namespace cartable::dav::scheduling::testing
