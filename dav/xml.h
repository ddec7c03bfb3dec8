// XML in and out. Input: pugixml documents with namespace resolution (pugixml itself is not
// namespace-aware). Output: XmlWriter appends to a string with fixed prefixes for the well-known
// namespaces declared once at the root, and local declarations for any other namespace.
#pragma once

#include <initializer_list>
#include <memory>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dav/status.h"
#include "dav/xml_names.h"

namespace cartable::dav {

// Bounds on an XML request body ([limits] max_xml_depth, max_xml_elements). Nothing bounds
// them in XML itself; every later walk (filters, dead properties) is recursive or looks names up
// through the ancestors, so both are checked on the raw bytes before pugixml builds a tree.
struct XmlLimits {
  size_t max_depth = 64;
  size_t max_elements = 50000;
};
struct DavOptions;
// The configured limits (DavOptions::max_xml_depth, max_xml_elements).
XmlLimits XmlLimitsOf(const DavOptions& options);

// Parses a request body. Errors: kBadRequest naming the parse error and its offset; DOCTYPE
// declarations are refused (no-external-entities); kBadRequest when elements nest deeper than
// limits.max_depth and kTooLarge (413) when there are more than limits.max_elements, both
// found by a linear scan of the bytes before the tree is built. An empty body is an error too:
// callers that accept an empty body check for it first. Namespace prefixes are checked in one
// walk that keeps the in-scope bindings on a stack: linear in the size of the body.
// The default limits are the configuration's defaults; requests pass XmlLimitsOf(options).
Result<std::unique_ptr<pugi::xml_document>> ParseXml(std::string_view body,
                                                     const XmlLimits& limits = XmlLimits());

// The {namespace, local} name of an element, resolving its prefix through the xmlns attributes
// of the element and its ancestors (at most the depth ParseXml allowed). An undeclared prefix
// yields namespace "" and sets *bad.
QName NameOf(const pugi::xml_node& element, bool* bad = nullptr);

// Elements whose xmlns attributes namespace resolution has examined on this thread, counted
// so that tests can assert that ParseXml's work is linear in the body (no timing).
uint64_t NamespaceLookupSteps();

// True if `element` is {ns}local.
bool Is(const pugi::xml_node& element, std::string_view ns, std::string_view local);

// The first child element named {ns}local, or an empty node.
pugi::xml_node Child(const pugi::xml_node& parent, std::string_view ns, std::string_view local);

// Calls `f` (returning Status) on each element child of `parent` in order, text and comments
// skipped; stops at the first error and returns it.
template <typename F>
Status ForEachElement(const pugi::xml_node& parent, F f) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (Status s = f(c); !s.ok()) return s;
  }
  return Status::OK();
}

// Serialises `element` as a self-contained fragment: every namespace declaration in scope from
// ancestors that the element does not redeclare is copied onto it, so the fragment means the
// same thing wherever it is pasted. Used to keep dead properties byte-faithful.
std::string SelfContainedXml(const pugi::xml_node& element);

// Escapes text for element content or attribute values. Never emits a malformed document,
// whatever `text` holds (stored data is not trusted here): invalid UTF-8 and characters XML 1.0
// forbids become U+FFFD (AppendXmlText, dav/text_check.h).
void AppendEscaped(std::string& out, std::string_view text);

class XmlWriter {
 public:
  // Writes the XML declaration. Well-known namespaces get prefixes d, cal, card, cs, ical.
  explicit XmlWriter(std::string& out) : out_(out) {}

  // Opens the root element and declares the well-known prefixes on it.
  void OpenRoot(std::string_view ns, std::string_view local);
  void Open(std::string_view ns, std::string_view local);
  void Close();
  // <x a="1"> (attribute names without namespace; values escaped); closed by Close().
  void OpenWithAttributes(
      std::string_view ns, std::string_view local,
      std::initializer_list<std::pair<std::string_view, std::string_view>> attributes);
  // <x/>
  void Empty(std::string_view ns, std::string_view local);
  // <x a="1" b="2"/> (attribute names without namespace; values escaped)
  void EmptyWithAttributes(
      std::string_view ns, std::string_view local,
      std::initializer_list<std::pair<std::string_view, std::string_view>> attributes);
  // <x>text</x> with text escaped.
  void TextElement(std::string_view ns, std::string_view local, std::string_view text);
  void Text(std::string_view text) { AppendEscaped(out_, text); }
  // Appends a pre-serialised, self-contained XML fragment: verbatim when it is clean, else with
  // invalid UTF-8 and forbidden characters replaced by U+FFFD (a dead property read back from
  // the store is not trusted to be well-formed text).
  void Raw(std::string_view xml);
  // Closes every open element.
  void Finish();

  std::string& out() { return out_; }

 private:
  // Writes "<prefix:local" (or "<local xmlns=..." for an unknown namespace) and records the
  // closing tag.
  void StartTag(std::string_view ns, std::string_view local);

  std::string& out_;
  // Closing tags of the open elements, concatenated; `ends_` marks where each one starts.
  // One buffer instead of a string per element: multistatus bodies open tens of thousands.
  std::string closers_;
  std::vector<size_t> ends_;
};

}  // namespace cartable::dav
