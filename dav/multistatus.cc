#include "dav/multistatus.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

#include "server/http/path.h"

namespace cartable::dav {

std::string StatusLine(int code) {
  std::string s = "HTTP/1.1 " + std::to_string(code) + " ";
  s.append(http::ReasonPhrase(code));
  return s;
}

namespace {
// The status lines of propstats, built once: PROPFIND writes one or two per member.
const std::string& CachedStatusLine(int code) {
  static const std::string k200 = StatusLine(200), k404 = StatusLine(404);
  if (code == 200) return k200;
  if (code == 404) return k404;
  thread_local std::string other;
  other = StatusLine(code);
  return other;
}
}  // namespace

MultistatusWriter::MultistatusWriter(uint64_t max_bytes) : max_bytes_(max_bytes), writer_(body_) {
  body_.reserve(4096);
  writer_.OpenRoot(ns::kDav, "multistatus");
}

void MultistatusWriter::BeginResponse(std::string_view href) {
  writer_.Open(ns::kDav, "response");
  writer_.Open(ns::kDav, "href");
  AppendEscaped(body_, href);
  writer_.Close();
}

void MultistatusWriter::BeginResponseAt(std::string_view path) {
  // Href() is http::EncodePath, which maps byte by byte: Href(parent + name) equals
  // Href(parent) + Href(name).
  const size_t slash = path.size() > 1 ? path.rfind('/', path.size() - 2) : std::string::npos;
  const size_t cut = slash == std::string::npos ? 0 : slash + 1;
  const std::string_view parent = path.substr(0, cut);
  if (parent != parent_path_) {
    parent_path_.assign(parent);
    parent_href_.clear();
    AppendEscaped(parent_href_, http::EncodePath(parent_path_));
  }
  writer_.Open(ns::kDav, "response");
  writer_.Open(ns::kDav, "href");
  body_.append(parent_href_);
  name_href_.clear();
  http::AppendEncodedPath(name_href_, path.substr(cut));
  AppendEscaped(body_, name_href_);
  writer_.Close();
}

void WritePropstat(XmlWriter& w, int code, std::string_view props_xml, Fragment from) {
  w.Open(ns::kDav, "propstat");
  w.Open(ns::kDav, "prop");
  if (from == Fragment::kWritten) {
    w.out().append(props_xml);
  } else {
    w.Raw(props_xml);
  }
  w.Close();
  w.TextElement(ns::kDav, "status", CachedStatusLine(code));
  w.Close();
}

MultistatusWriter::PropBuffers* MultistatusWriter::TakeBuffers() {
  if (buffers_taken_) return nullptr;
  if (!buffers_) buffers_ = std::make_unique<PropBuffers>();
  buffers_taken_ = true;
  return buffers_.get();
}

void MultistatusWriter::ReleaseBuffers(PropBuffers* b) {
  if (b == nullptr) return;
  b->found.clear();
  b->missing.clear();
  b->forbidden.clear();
  buffers_taken_ = false;
}

namespace {

// Asks for transparent huge pages over `s`'s buffer, from the page it starts in: a block this
// large is a mapping of its own that starts with the allocator's header (on a 2 MiB boundary
// where the kernel aligns large mappings), so its first 2 MiB can be a huge page too. Before
// anything is written to it: a page already touched keeps its 2 MiB range in small pages. The
// advice changes no byte, only how the range is backed; a no-op where huge pages are off.
void AdviseHugePages(std::string& s) {
  constexpr uintptr_t kPage = 4096;
  const uintptr_t data = reinterpret_cast<uintptr_t>(s.data());
  const uintptr_t begin = data & ~(kPage - 1);
  const uintptr_t end = (data + s.capacity()) & ~(kPage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

}  // namespace

void MultistatusWriter::EndResponse() {
  writer_.Close();
  // A body this large is a listing (PROPFIND Depth 1, sync-collection, a wide query) that may
  // grow to thousands of responses: reserve up to the bound now. Such a block is mmap'ed
  // (server/process_memory.h) and its pages are committed only when written, so the
  // reservation costs address space, not memory; without it the string doubles from 4 KiB to
  // the final size, and each step copies the body into fresh pages (a page fault per 4 KiB):
  // two thirds of a 10,000-member PROPFIND's CPU went there. The pages were still faulted in
  // one by one as the body grew (a 2.6 MB body: 650 faults, each costly in a virtual machine,
  // a third of the CPU): the reservation asks for huge pages, a fault per 2 MiB.
  if (body_.size() < kListingBytes) return;
  const uint64_t bound = max_bytes_ == 0 ? kListingReserveBytes : max_bytes_ + kListingBytes;
  const size_t reserve = static_cast<size_t>(std::min<uint64_t>(bound, kListingReserveBytes));
  if (body_.capacity() >= reserve) return;
  std::string reserved;
  reserved.reserve(reserve);
  AdviseHugePages(reserved);
  reserved.append(body_);
  body_.swap(reserved);  // writer_ writes to body_, which now owns the reserved block
}

void MultistatusWriter::StatusResponse(std::string_view href, int code) {
  BeginResponse(href);
  writer_.TextElement(ns::kDav, "status", StatusLine(code));
  EndResponse();
}

http::HttpResponse XmlResponse(int status, std::string body) {
  http::HttpResponse r;
  r.status = status;
  r.headers.Set("Content-Type", kXmlContentType);
  r.body = std::move(body);
  return r;
}

Status MultistatusWriter::WithinLimit() const {
  if (max_bytes_ == 0 || body_.size() <= max_bytes_) return Status::OK();
  return Status::Violates(Precondition::kNumberOfMatchesWithinLimits,
                          "the answer would exceed " + std::to_string(max_bytes_) +
                              " bytes ([limits] max_response_bytes); ask for fewer properties "
                              "or resources (Depth 0, smaller multiget batches, a narrower "
                              "time range)");
}

http::HttpResponse MultistatusWriter::Finish() {
  if (Status s = WithinLimit(); !s.ok()) return ErrorResponse(s);
  writer_.Finish();
  return XmlResponse(207, std::move(body_));
}

http::HttpResponse ResponseForStatus(const Status& status) {
  http::HttpResponse r;
  r.status = status.HttpCode();
  if (status.code() == Status::Code::kUnavailable && status.precondition() == Precondition::kNone) {
    const int after = status.retry_after_seconds();
    r.headers.Set("Retry-After", std::to_string(after > 0 ? after : kDefaultRetryAfterSeconds));
  }
  return r;
}

http::HttpResponse ErrorResponse(const Status& status) {
  http::HttpResponse r = ResponseForStatus(status);
  if (status.precondition() == Precondition::kNone) {
    r.headers.Set("Content-Type", "text/plain; charset=utf-8");
    r.body = status.message() + "\n";
    return r;
  }
  const PreconditionInfo& info = Describe(status.precondition());
  XmlWriter w(r.body);
  w.OpenRoot(ns::kDav, "error");
  if (status.href().empty()) {
    w.Empty(info.ns, info.local_name);
  } else {
    w.Open(info.ns, info.local_name);
    w.TextElement(ns::kDav, "href", status.href());
    w.Close();
  }
  if (!status.message().empty()) w.TextElement(ns::kCartable, "message", status.message());
  w.Finish();
  r.headers.Set("Content-Type", kXmlContentType);
  return r;
}

}  // namespace cartable::dav
