#include "dav/quota.h"

namespace cartable::dav {

int64_t QuotaBytes(const DavContext& ctx, const store::User& owner) {
  return owner.quota_bytes >= 0 ? owner.quota_bytes : ctx.options.default_quota_bytes;
}

Status CheckQuota(const Request& req, const Target& t, int64_t delta) {
  if (delta <= 0 || !t.owner) return Status::OK();
  int64_t quota = QuotaBytes(req.ctx, *t.owner);
  if (t.owner->used_bytes + delta <= quota) return Status::OK();
  return Status::Violates(Precondition::kQuotaNotExceeded,
                          "this would exceed the quota of " + std::to_string(quota) + " bytes (" +
                              std::to_string(t.owner->used_bytes) + " used)");
}

}  // namespace cartable::dav
