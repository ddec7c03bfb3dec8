// Authentication-Results (RFC 8601 §2.2) parsed by its grammar, and the sender check.
#include "dav/scheduling/mail_auth.h"

#include <algorithm>
#include <cctype>

#include "dav/text_fold.h"

namespace cartable::dav::scheduling {
namespace {

// Comments nest (RFC 5322 §3.2.2); deeper ones are refused rather than recursed into.
constexpr int kMaxCommentDepth = 16;

bool IsWsp(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }
bool IsCtl(char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; }

// RFC 2045 tspecials: what a token cannot contain.
bool IsTspecial(char ch) {
  return std::string_view("()<>@,;:\\\"/[]?=").find(ch) != std::string_view::npos;
}

// RFC 5321 Ldh-str, the Keyword of RFC 8601 ('_' tolerated: some MTAs write x_ methods).
bool IsKeywordChar(char ch) {
  return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[i_]; }
  bool Take(char ch) {
    if (Peek() != ch || AtEnd()) return false;
    ++i_;
    return true;
  }

  // [CFWS]: white space, folding and comments. False on an unterminated or too deep comment.
  bool SkipCfws() {
    while (!AtEnd()) {
      if (IsWsp(s_[i_])) {
        ++i_;
      } else if (s_[i_] == '(') {
        if (!SkipComment()) return false;
      } else {
        break;
      }
    }
    return true;
  }

  // Keyword, lowercased; "" if none here.
  std::string Keyword() {
    size_t start = i_;
    while (!AtEnd() && IsKeywordChar(s_[i_])) ++i_;
    return AsciiLower(s_.substr(start, i_ - start));
  }

  std::string Digits() {
    size_t start = i_;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }

  // value = token / quoted-string (RFC 2045). False if neither is here.
  bool Value(std::string* out) {
    if (Peek() == '"') return QuotedString(out);
    size_t start = i_;
    while (!AtEnd() && !IsWsp(s_[i_]) && !IsCtl(s_[i_]) && !IsTspecial(s_[i_])) ++i_;
    *out = std::string(s_.substr(start, i_ - start));
    return !out->empty();
  }

  // pvalue = value / [[local-part] "@"] domain-name: a quoted string, or a run up to white
  // space, a comment or ';' (header.b values carry '/', '+' and '='; addresses carry '@').
  bool PropertyValue(std::string* out) {
    if (Peek() == '"') return QuotedString(out);
    size_t start = i_;
    while (!AtEnd() && !IsWsp(s_[i_]) && !IsCtl(s_[i_]) && s_[i_] != '(' && s_[i_] != ';' &&
           s_[i_] != '"') {
      ++i_;
    }
    *out = std::string(s_.substr(start, i_ - start));
    return !out->empty();
  }

 private:
  bool SkipComment() {
    int depth = 0;
    while (!AtEnd()) {
      char ch = s_[i_++];
      if (ch == '\\') {
        if (AtEnd()) return false;
        ++i_;
      } else if (ch == '(') {
        if (++depth > kMaxCommentDepth) return false;
      } else if (ch == ')') {
        if (--depth == 0) return true;
      }
    }
    return false;
  }

  bool QuotedString(std::string* out) {
    out->clear();
    ++i_;  // the opening quote
    while (!AtEnd()) {
      char ch = s_[i_++];
      if (ch == '"') return true;
      if (ch == '\\') {
        if (AtEnd()) return false;
        ch = s_[i_++];
      } else if (ch == '\r' || ch == '\n') {
        continue;  // folding inside the quotes
      }
      out->push_back(ch);
    }
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
};

Status Malformed(const std::string& what) {
  return Status::BadRequest("malformed Authentication-Results: " + what);
}

// resinfo after its ';' : methodspec [CFWS reasonspec] [CFWS 1*propspec].
Result<AuthResult> ParseResinfo(Cursor& c) {
  AuthResult r;
  r.method = c.Keyword();
  if (r.method.empty()) return Malformed("method expected");
  if (!c.SkipCfws()) return Malformed("bad comment");
  if (c.Take('/')) {  // method-version
    if (!c.SkipCfws() || c.Digits().empty() || !c.SkipCfws()) {
      return Malformed("bad method version");
    }
  }
  if (!c.Take('=')) return Malformed("'=' expected after " + r.method);
  if (!c.SkipCfws()) return Malformed("bad comment");
  r.result = c.Keyword();
  if (r.result.empty()) return Malformed("result expected for " + r.method);
  if (!c.SkipCfws()) return Malformed("bad comment");
  while (!c.AtEnd() && c.Peek() != ';') {
    std::string name = c.Keyword();
    if (name.empty()) return Malformed("property expected after " + r.method);
    if (!c.SkipCfws()) return Malformed("bad comment");
    if (name == "reason" && r.reason.empty() && r.properties.empty() && c.Take('=')) {
      if (!c.SkipCfws() || !c.Value(&r.reason)) return Malformed("bad reason");
    } else {
      AuthProperty p;
      p.ptype = name;
      if (!c.Take('.') || !c.SkipCfws()) return Malformed("'.' expected after " + name);
      p.property = c.Keyword();
      if (p.property.empty() || !c.SkipCfws() || !c.Take('=') || !c.SkipCfws()) {
        return Malformed("bad property " + name + "." + p.property);
      }
      if (!c.PropertyValue(&p.value)) return Malformed("no value for " + name + "." + p.property);
      r.properties.push_back(std::move(p));
    }
    if (!c.SkipCfws()) return Malformed("bad comment");
  }
  return r;
}

// The authserv-id at the start of `value`, lowercase; "" if there is none.
std::string AuthservIdOf(std::string_view value) {
  Cursor c(value);
  std::string id;
  if (!c.SkipCfws() || !c.Value(&id)) return "";
  return AsciiLower(id);
}

std::string DomainOf(const std::string& address) {
  size_t at = address.rfind('@');
  return at == std::string::npos ? std::string() : AsciiLower(address.substr(at + 1));
}

std::string Canonical(std::string domain) {
  domain = AsciiLower(domain);
  while (!domain.empty() && domain.back() == '.') domain.pop_back();
  return domain;
}

// See VerifySender: equal, or `signer` a parent domain (at least two labels) of `from`.
bool Aligned(const std::string& signer, const std::string& from) {
  if (signer.empty() || signer.find('.') == std::string::npos) return false;
  if (signer == from) return true;
  return from.size() > signer.size() + 1 &&
         from.compare(from.size() - signer.size(), signer.size(), signer) == 0 &&
         from[from.size() - signer.size() - 1] == '.';
}

Status CheckDmarc(const AuthResults& ar, const std::string& domain) {
  bool pass = false;
  for (const AuthResult& r : ar.results) {
    if (r.method != "dmarc" || Canonical(r.Property("header", "from")) != domain) continue;
    if (r.result != "pass") {
      return Status::Forbidden("dmarc=" + r.result + " for " + domain +
                               " (Authentication-Results of " + ar.authserv_id + ")");
    }
    pass = true;
  }
  if (pass) return Status::OK();
  return Status::Forbidden("no dmarc=pass for " + domain + " in the Authentication-Results of " +
                           ar.authserv_id);
}

Status CheckDkim(const AuthResults& ar, const std::string& domain) {
  for (const AuthResult& r : ar.results) {
    if (r.method != "dkim" || r.result != "pass") continue;
    std::string signer = r.Property("header", "d");
    if (signer.empty()) signer = DomainOf(r.Property("header", "i"));
    if (Aligned(Canonical(signer), domain)) return Status::OK();
  }
  return Status::Forbidden("no dkim=pass aligned with " + domain +
                           " in the Authentication-Results of " + ar.authserv_id);
}

}  // namespace

std::string AuthResult::Property(std::string_view ptype, std::string_view property) const {
  const std::string t = AsciiLower(ptype), p = AsciiLower(property);
  for (const AuthProperty& prop : properties) {
    if (prop.ptype == t && prop.property == p) return prop.value;
  }
  return "";
}

Result<AuthResults> ParseAuthenticationResults(std::string_view value) {
  Cursor c(value);
  AuthResults out;
  if (!c.SkipCfws()) return Malformed("bad comment");
  if (!c.Value(&out.authserv_id)) return Malformed("no authserv-id");
  if (!c.SkipCfws()) return Malformed("bad comment");
  if (std::isdigit(static_cast<unsigned char>(c.Peek()))) {
    std::string version = c.Digits();
    if (version != "1") return Malformed("unknown version " + version);
    if (!c.SkipCfws()) return Malformed("bad comment");
  }
  if (c.AtEnd()) return Malformed("no result");
  while (!c.AtEnd()) {
    if (!c.Take(';')) return Malformed("';' expected");
    if (!c.SkipCfws()) return Malformed("bad comment");
    if (c.AtEnd()) break;       // a trailing ';' (seen in the wild) adds nothing
    if (out.results.empty()) {  // no-result = ";" "none": nothing was checked
      Cursor ahead = c;
      if (ahead.Keyword() == "none" && ahead.SkipCfws() && ahead.AtEnd()) return out;
    }
    Result<AuthResult> r = ParseResinfo(c);
    if (!r.ok()) return r.status();
    out.results.push_back(std::move(r.value()));
  }
  return out;
}

bool ParseSenderCheck(std::string_view text, SenderCheck* out) {
  const std::string t = AsciiLower(text);
  if (t == "dmarc") {
    *out = SenderCheck::kDmarc;
  } else if (t == "dkim") {
    *out = SenderCheck::kDkim;
  } else if (t == "none") {
    *out = SenderCheck::kNone;
  } else {
    return false;
  }
  return true;
}

Status VerifySender(const std::vector<std::string>& fields, const std::string& from_address,
                    const SenderPolicy& policy) {
  if (policy.require == SenderCheck::kNone) return Status::OK();
  const std::string domain = Canonical(DomainOf(from_address));
  if (domain.empty()) return Status::Forbidden("the From address has no domain");
  if (policy.trusted_authserv_ids.empty()) {
    return Status::Forbidden(
        "no MTA is trusted to authenticate senders ([imip] "
        "trusted_authserv_ids is empty)");
  }
  for (const std::string& field : fields) {
    const std::string id = AuthservIdOf(field);
    if (std::find(policy.trusted_authserv_ids.begin(), policy.trusted_authserv_ids.end(), id) ==
        policy.trusted_authserv_ids.end()) {
      continue;  // someone else's verdict (RFC 8601 §5)
    }
    Result<AuthResults> ar = ParseAuthenticationResults(field);
    if (!ar.ok()) {
      return Status::Forbidden("the Authentication-Results of " + id +
                               " cannot be read: " + ar.status().message());
    }
    return policy.require == SenderCheck::kDkim ? CheckDkim(*ar, domain) : CheckDmarc(*ar, domain);
  }
  return Status::Forbidden("no Authentication-Results from a trusted MTA vouches for " +
                           from_address);
}

}  // namespace cartable::dav::scheduling
