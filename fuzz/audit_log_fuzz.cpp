// libFuzzer target: DecodeAuditLogEvent on arbitrary bytes must return a value or
// an InvalidArgument, never crash; a denied request never yields a topic edge.
// Seed corpus: tests/fixtures/audit_log.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ingest/audit_log/audit_log_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tributary::ingest;
  static const ClusterDirectory clusters({ClusterInfo{"onprem", "8caBa-0_Tu-2k3rKSxY64Q", {}},
                                          ClusterInfo{"cloud", "lkc-abc123", {}}});
  const std::string_view value(reinterpret_cast<const char*>(data), size);
  const auto r = audit_log::DecodeAuditLogEvent(value, clusters, "default");
  if (r.ok()) {
    if (!r->granted && (r->topic.has_value() || r->action != audit_log::AuditAction::kOther)) {
      std::abort();
    }
  } else if (r.status().code() != tributary::ErrorCode::kInvalidArgument) {
    std::abort();
  }
  return 0;
}
