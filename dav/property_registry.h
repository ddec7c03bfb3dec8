// Live properties as a table: {name, applies-to, in allprop, protected, getter}. A getter runs only
// when its property was asked for. Names not in the table are dead properties kept in the store.
#pragma once

#include <string>
#include <vector>

#include "dav/context.h"
#include "dav/target.h"
#include "dav/xml.h"
#include "dav/xml_names.h"

namespace cartable::dav {

// What a getter may look at.
struct PropContext {
  const Request& req;
  const Target& target;
};

struct LiveProperty {
  QName name;
  bool in_allprop;    // returned by <allprop/> (RFC 4918 §9.1: the properties it defines)
  bool is_protected;  // PROPPATCH answers 403 cannot-modify-protected-property
  // Where `applies` is false the name is an ordinary dead property (displayname is live on
  // principals, settable elsewhere); otherwise it is protected everywhere.
  bool dead_elsewhere;
  // Whether the property exists on `target` at all (else 404 in PROPFIND).
  bool (*applies)(const Target& target);
  // Writes the property's value (the content of the property element). Returns false when the
  // resource has no value for it (404).
  bool (*get)(const PropContext& ctx, XmlWriter& out);
};

class PropertyRegistry {
 public:
  // The registry with every live property Cartable serves; built once.
  static const PropertyRegistry& Default();

  const LiveProperty* Find(const QName& name) const;
  const std::vector<LiveProperty>& All() const { return props_; }

 private:
  explicit PropertyRegistry(std::vector<LiveProperty> props) : props_(std::move(props)) {}
  std::vector<LiveProperty> props_;
};

// The DAV:href of a target path, in the one canonical encoding.
std::string Href(const std::string& decoded_path);

// RFC 3339 UTC ("2026-11-23T07:20:29Z"), for creationdate.
std::string Rfc3339(int64_t unix_seconds);

}  // namespace cartable::dav
