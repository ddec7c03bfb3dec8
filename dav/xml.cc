#include "dav/xml.h"

#include <array>
#include <cstring>
#include <set>
#include <sstream>
#include <unordered_map>

#include "dav/context.h"
#include "dav/text_check.h"

namespace cartable::dav {
namespace {

struct KnownNs {
  std::string_view ns;
  std::string_view prefix;
};
constexpr KnownNs kKnown[] = {
    {ns::kDav, "d"},      {ns::kCalDav, "cal"}, {ns::kCardDav, "card"}, {ns::kCalendarServer, "cs"},
    {ns::kApple, "ical"},
};

std::string_view PrefixOf(std::string_view ns) {
  for (const auto& k : kKnown) {
    if (k.ns == ns) return k.prefix;
  }
  return {};
}

thread_local uint64_t lookup_steps = 0;

// Looks up the namespace bound to `prefix` ("" = default namespace) at `node`.
bool LookupNamespace(pugi::xml_node node, std::string_view prefix, std::string* uri) {
  std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    ++lookup_steps;
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) {
      *uri = a.value();
      return true;
    }
  }
  return false;
}

Status TooDeep(const XmlLimits& limits) {
  return Status::BadRequest("XML body nests elements more than " +
                            std::to_string(limits.max_depth) +
                            " levels deep ([limits] max_xml_depth)");
}

Status TooManyElements(const XmlLimits& limits) {
  return Status(Status::Code::kTooLarge, "XML body has more than " +
                                             std::to_string(limits.max_elements) +
                                             " elements ([limits] max_xml_elements)");
}

// Counts start tags and their nesting on the raw bytes, so that a hostile body is refused before
// pugixml allocates a node for each of its elements. Exact for well-formed XML ('<' cannot occur
// in attribute values or text; comments, CDATA and processing instructions are skipped); what
// is not well-formed is refused by the parser afterwards, and CheckPrefixes counts again.
Status ScanShape(std::string_view body, const XmlLimits& limits) {
  size_t depth = 0, elements = 0;
  auto skip_past = [&](size_t from, std::string_view end) {
    size_t at = body.find(end, from);
    return at == std::string_view::npos ? body.size() : at + end.size();
  };
  size_t i = 0;
  while ((i = body.find('<', i)) != std::string_view::npos) {
    std::string_view rest = body.substr(i);
    if (rest.starts_with("<!--")) {
      i = skip_past(i + 4, "-->");
    } else if (rest.starts_with("<![CDATA[")) {
      i = skip_past(i + 9, "]]>");
    } else if (rest.starts_with("<?")) {
      i = skip_past(i + 2, "?>");
    } else if (rest.starts_with("<!")) {
      return Status::OK();  // a DOCTYPE: refused once parsed (no-external-entities)
    } else if (rest.starts_with("</")) {
      if (depth > 0) --depth;
      i = skip_past(i + 2, ">");
    } else {
      if (++elements > limits.max_elements) return TooManyElements(limits);
      if (++depth > limits.max_depth) return TooDeep(limits);
      char quote = 0;
      size_t j = i + 1;
      for (; j < body.size(); ++j) {
        char c = body[j];
        if (quote != 0) {
          if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
          quote = c;
        } else if (c == '>') {
          break;
        }
      }
      if (j < body.size() && body[j - 1] == '/') --depth;  // <empty/>
      i = j + 1;
    }
  }
  return Status::OK();
}

pugi::xml_node FirstElement(pugi::xml_node n) {
  while (n && n.type() != pugi::node_element) n = n.next_sibling();
  return n;
}

// Checks that every element's prefix is declared (litmus propfind_invalid2) and that no prefix
// is bound to "" (XML Namespaces 1.0 §5), in one depth-first walk that keeps the bindings of
// the open elements on a stack per prefix: each element costs its own attributes, not a walk up
// to the root (which made deep bodies quadratic). Depth and element count are checked again.
Status CheckPrefixes(pugi::xml_node root, const XmlLimits& limits) {
  std::unordered_map<std::string, std::vector<std::string_view>> bound;  // prefix -> URIs
  std::vector<const std::string*> declared;  // prefixes bound by the open elements, in order
  std::vector<size_t> frames;                // declared.size() when each open element began
  size_t elements = 0;
  auto enter = [&](pugi::xml_node n) -> Status {
    if (++elements > limits.max_elements) return TooManyElements(limits);
    if (frames.size() + 1 > limits.max_depth) return TooDeep(limits);
    ++lookup_steps;
    frames.push_back(declared.size());
    for (pugi::xml_attribute a : n.attributes()) {
      std::string_view an = a.name();
      if (an != "xmlns" && !an.starts_with("xmlns:")) continue;
      std::string prefix(an == "xmlns" ? std::string_view() : an.substr(6));
      if (!prefix.empty() && a.value()[0] == '\0') {
        return Status::BadRequest("XML body binds the prefix " + prefix + " to no namespace in <" +
                                  n.name() + ">");
      }
      auto it = bound.try_emplace(std::move(prefix)).first;
      it->second.push_back(a.value());
      declared.push_back(&it->first);
    }
    std::string_view name = n.name();
    size_t colon = name.find(':');
    if (colon != std::string_view::npos && name.substr(0, colon) != "xml") {
      auto it = bound.find(std::string(name.substr(0, colon)));
      if (it == bound.end() || it->second.empty()) {
        return Status::BadRequest("XML body uses an undeclared namespace prefix in <" +
                                  std::string(name) + ">");
      }
    }
    return Status::OK();
  };
  auto leave = [&] {
    for (size_t k = frames.back(); k < declared.size(); ++k) bound[*declared[k]].pop_back();
    declared.resize(frames.back());
    frames.pop_back();
  };
  pugi::xml_node n = root;
  if (Status s = enter(n); !s.ok()) return s;
  while (true) {
    if (pugi::xml_node child = FirstElement(n.first_child())) {
      n = child;
      if (Status s = enter(n); !s.ok()) return s;
      continue;
    }
    while (true) {
      leave();
      if (n == root) return Status::OK();
      if (pugi::xml_node sibling = FirstElement(n.next_sibling())) {
        n = sibling;
        if (Status s = enter(n); !s.ok()) return s;
        break;
      }
      n = n.parent();
    }
  }
}

}  // namespace

uint64_t NamespaceLookupSteps() { return lookup_steps; }

XmlLimits XmlLimitsOf(const DavOptions& options) {
  return {options.max_xml_depth, options.max_xml_elements};
}

Result<std::unique_ptr<pugi::xml_document>> ParseXml(std::string_view body,
                                                     const XmlLimits& limits) {
  if (Status s = ScanShape(body, limits); !s.ok()) return s;
  // pugixml checks neither UTF-8 nor the XML 1.0 character range, and decodes &#1; into the
  // tree: refuse here what would otherwise reach the store and other users' answers.
  if (std::optional<TextFault> fault = FindTextFault(body, TextRules::kXml)) {
    return Status::BadRequest("the XML body is not well-formed UTF-8 XML 1.0 text: " +
                              fault->Describe());
  }
  auto doc = std::make_unique<pugi::xml_document>();
  pugi::xml_parse_result r = doc->load_buffer(
      body.data(), body.size(),
      pugi::parse_default | pugi::parse_doctype | pugi::parse_declaration | pugi::parse_ws_pcdata,
      pugi::encoding_utf8);
  if (!r) {
    return Status::BadRequest("malformed XML body: " + std::string(r.description()) +
                              " at offset " + std::to_string(r.offset));
  }
  pugi::xml_node root;
  for (pugi::xml_node n : doc->children()) {
    if (n.type() == pugi::node_doctype) {
      return Status::Violates(Precondition::kNoExternalEntities,
                              "DOCTYPE declarations are not accepted");
    }
    if (n.type() == pugi::node_element) root = n;
  }
  if (!root) return Status::BadRequest("XML body has no root element");
  if (Status s = CheckPrefixes(root, limits); !s.ok()) return s;
  return doc;
}

QName NameOf(const pugi::xml_node& element, bool* bad) {
  std::string_view full = element.name();
  size_t colon = full.find(':');
  std::string_view prefix = colon == std::string_view::npos ? "" : full.substr(0, colon);
  std::string_view local = colon == std::string_view::npos ? full : full.substr(colon + 1);
  QName q;
  q.local = std::string(local);
  if (!LookupNamespace(element, prefix, &q.ns) && !prefix.empty()) {
    if (prefix == "xml") {
      q.ns = "http://www.w3.org/XML/1998/namespace";
    } else if (bad) {
      *bad = true;
    }
  }
  return q;
}

bool Is(const pugi::xml_node& element, std::string_view ns, std::string_view local) {
  if (element.type() != pugi::node_element) return false;
  std::string_view full = element.name();
  if (full.size() < local.size() || full.substr(full.size() - local.size()) != local) return false;
  if (full.size() > local.size() && full[full.size() - local.size() - 1] != ':') return false;
  QName q = NameOf(element);
  return q.local == local && q.ns == ns;
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view ns, std::string_view local) {
  for (pugi::xml_node c : parent.children()) {
    if (Is(c, ns, local)) return c;
  }
  return {};
}

std::string SelfContainedXml(const pugi::xml_node& element) {
  pugi::xml_document doc;
  pugi::xml_node copy = doc.append_copy(element);
  std::set<std::string> declared;
  for (pugi::xml_attribute a : copy.attributes()) {
    std::string_view n = a.name();
    if (n == "xmlns" || n.substr(0, 6) == "xmlns:") declared.insert(std::string(n));
  }
  for (pugi::xml_node n = element.parent(); n && n.type() == pugi::node_element; n = n.parent()) {
    for (pugi::xml_attribute a : n.attributes()) {
      std::string name = a.name();
      if ((name == "xmlns" || name.rfind("xmlns:", 0) == 0) && declared.insert(name).second) {
        copy.append_attribute(name.c_str()) = a.value();
      }
    }
  }
  // An element in no namespace must stay there wherever it is pasted.
  if (std::string_view(copy.name()).find(':') == std::string_view::npos &&
      declared.count("xmlns") == 0) {
    copy.append_attribute("xmlns") = "";
  }
  std::ostringstream os;
  copy.print(os, "", pugi::format_raw | pugi::format_no_declaration, pugi::encoding_utf8);
  return os.str();
}

void AppendEscaped(std::string& out, std::string_view text) { AppendXmlText(out, text); }

void XmlWriter::Raw(std::string_view xml) { AppendXmlFragment(out_, xml); }

void XmlWriter::OpenRoot(std::string_view ns, std::string_view local) {
  out_.append("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
  StartTag(ns, local);
  for (const auto& k : kKnown) {
    out_.append(" xmlns:").append(k.prefix).append("=\"").append(k.ns).append("\"");
  }
  out_.push_back('>');
}

void XmlWriter::StartTag(std::string_view ns, std::string_view local) {
  std::string_view prefix = PrefixOf(ns);
  bool declare = prefix.empty() && !ns.empty();
  if (declare) prefix = "x";
  ends_.push_back(closers_.size());
  closers_.append("</");
  out_.push_back('<');
  if (!prefix.empty()) {
    out_.append(prefix).push_back(':');
    closers_.append(prefix).push_back(':');
  }
  out_.append(local);
  closers_.append(local).push_back('>');
  if (declare) {
    out_.append(" xmlns:x=\"");
    AppendEscaped(out_, ns);
    out_.push_back('"');
  }
}

void XmlWriter::Open(std::string_view ns, std::string_view local) {
  StartTag(ns, local);
  out_.push_back('>');
}

void XmlWriter::OpenWithAttributes(
    std::string_view ns, std::string_view local,
    std::initializer_list<std::pair<std::string_view, std::string_view>> attributes) {
  StartTag(ns, local);
  for (const auto& [name, value] : attributes) {
    out_.append(" ").append(name).append("=\"");
    AppendEscaped(out_, value);
    out_.push_back('"');
  }
  out_.push_back('>');
}

void XmlWriter::Close() {
  size_t start = ends_.back();
  ends_.pop_back();
  out_.append(closers_, start, std::string::npos);
  closers_.resize(start);
}

void XmlWriter::Empty(std::string_view ns, std::string_view local) {
  StartTag(ns, local);
  closers_.resize(ends_.back());
  ends_.pop_back();
  out_.append("/>");
}

void XmlWriter::EmptyWithAttributes(
    std::string_view ns, std::string_view local,
    std::initializer_list<std::pair<std::string_view, std::string_view>> attributes) {
  StartTag(ns, local);
  closers_.resize(ends_.back());
  ends_.pop_back();
  for (const auto& [name, value] : attributes) {
    out_.append(" ").append(name).append("=\"");
    AppendEscaped(out_, value);
    out_.push_back('"');
  }
  out_.append("/>");
}

void XmlWriter::TextElement(std::string_view ns, std::string_view local, std::string_view text) {
  Open(ns, local);
  AppendEscaped(out_, text);
  Close();
}

void XmlWriter::Finish() {
  while (!ends_.empty()) Close();
}

}  // namespace cartable::dav
