// RAII owners for GMime 3 / GLib objects, shared by the iMIP engine (dav/scheduling/imip_mime.cc)
// and the account mail (directory/account_mail.cc). Header-only: each user links GMime itself.
#pragma once

#include <gmime/gmime.h>

#include <memory>

namespace cartable {

// GMime objects are GObjects: one reference, dropped with g_object_unref.
struct UnrefDeleter {
  void operator()(gpointer p) const {
    if (p) g_object_unref(p);
  }
};
template <typename T>
using GPtr = std::unique_ptr<T, UnrefDeleter>;

struct FormatOptionsDeleter {
  void operator()(GMimeFormatOptions* o) const { g_mime_format_options_free(o); }
};
struct DateTimeDeleter {
  void operator()(GDateTime* d) const { g_date_time_unref(d); }
};

}  // namespace cartable
