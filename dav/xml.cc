#include "dav/xml.h"

#include <cstring>
#include <set>
#include <sstream>

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

// Looks up the namespace bound to `prefix` ("" = default namespace) at `node`.
bool LookupNamespace(pugi::xml_node node, std::string_view prefix, std::string* uri) {
  std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) {
      *uri = a.value();
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<pugi::xml_document>> ParseXml(std::string_view body) {
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
  // Every prefix used by an element must be declared (litmus propfind_invalid2).
  bool bad = false;
  std::string bad_name;
  struct Walker : pugi::xml_tree_walker {
    bool* bad;
    std::string* name;
    bool for_each(pugi::xml_node& n) override {
      if (n.type() != pugi::node_element) return true;
      bool b = false;
      NameOf(n, &b);
      if (!b) {
        for (pugi::xml_attribute a : n.attributes()) {
          std::string_view an = a.name();
          if (an.substr(0, 6) == "xmlns:" && a.value()[0] == '\0') b = true;
        }
      }
      if (b) {
        *bad = true;
        *name = n.name();
        return false;
      }
      return true;
    }
  } walker;
  walker.bad = &bad;
  walker.name = &bad_name;
  doc->traverse(walker);
  if (bad) {
    return Status::BadRequest("XML body uses an undeclared or empty namespace prefix in <" +
                              bad_name + ">");
  }
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
